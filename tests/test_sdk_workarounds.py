"""docs/sdk-workarounds.md names the versions installed: a pin cannot move without that page being checked."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "sdk-workarounds.md"


def checked_against() -> dict[str, str]:
    """The page's "Checked against" table: package name to version."""
    section = PAGE.read_text(encoding="utf-8").split("## Checked against", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| ([a-z0-9-]+) \| ([0-9][0-9a-z.]*) \|$", section, flags=re.MULTILINE))


def test_the_page_names_the_sdks_it_was_checked_against():
    assert {"botbuilder-core", "botframework-connector", "msrest", "azure-communication-callautomation"} <= set(
        checked_against()
    )


@pytest.mark.parametrize("package", sorted(checked_against()))
def test_each_package_the_page_was_checked_against_is_the_version_installed(package):
    assert version(package) == checked_against()[package], (
        f"{package} is not the version docs/sdk-workarounds.md was checked against: "
        "run the tests that page names, then update its table"
    )
