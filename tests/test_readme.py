"""README is a front door that stays true: short, every section a newcomer needs, every link, folder,
setting and test it names still there.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from config import DefaultConfig

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MOST_LINES = 300
SECTIONS = (
    "Start here",
    "What a call does",
    "Make it yours",
    "Make it smaller",
    "Where things are",
    "Settings",
    "After the call: recordings and GDPR",
    "Several instances",
    "Phone calls through Azure Communication Services",
    "Deploy to Azure",
    "The SDK",
)


def section(title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert found, f'README has no "## {title}"'
    return found.group(1)


def table_rows(text: str) -> list[list[str]]:
    rows = [line.strip().strip("|").split(" | ") for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows[1:]]  # the header is not a row


def test_the_readme_is_short_and_has_every_section_a_newcomer_needs():
    assert len(README.splitlines()) <= MOST_LINES
    for title in SECTIONS:
        section(title)
    assert "make run" in section("Start here") and "make test" in section("Start here")
    assert "local mode: nothing is authenticated" in section("Start here")


@pytest.mark.parametrize("page", ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))])
def test_every_link_to_a_file_of_the_repository_leads_to_one(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert ((ROOT / page).parent / target).exists(), f"{page} links to {target}, which is not there"


def test_every_setting_is_in_the_readme_and_explained_in_docs_settings():
    explained = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    named = section("Settings")
    for setting in dataclasses.fields(DefaultConfig):
        assert f"`{setting.name}`" in named, f"README's settings do not name {setting.name}"
        assert f"`{setting.name}`" in explained, f"docs/settings.md does not explain {setting.name}"


def test_where_things_are_has_a_row_for_every_folder_and_says_when_to_change_it():
    rows = table_rows(section("Where things are"))
    for name, what, when in rows:
        assert what and when and when != "—", f"the row of {name} does not say when to change it"
    named = {name.strip("`").rstrip("/") for name, *_ in rows}
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {path.split("/")[0] for path in listed.splitlines() if "/" in path and not path.startswith(".")}
    assert folders - {"tests"} <= named, f"folders without a row: {folders - {'tests'} - named}"
    for name in named:
        assert (ROOT / name).exists(), f"README's row of {name} names nothing in the repository"


def test_make_it_yours_names_the_one_test_that_pins_the_sample_menu_and_the_files_of_its_examples():
    text = section("Make it yours")
    (pinned,) = re.findall(r"`(test_the_sample_menu\w+)`", text)
    tests = ast.parse((ROOT / "tests/dialogs/test_main_menu.py").read_text(encoding="utf-8"))
    assert pinned in {node.name for node in ast.walk(tests) if isinstance(node, ast.FunctionDef)}
    for path in re.findall(r"`(tests/[\w/]+\.py)`", text):
        assert (ROOT / path).is_file(), f'"Make it yours" names {path}, which is not there'
