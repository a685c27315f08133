"""Writes what the ARM templates repeat from elsewhere, so that it is edited in one place only.

ARM has no include: a template deploys what is written in it. Two things are therefore copies:

- the call telemetry workbook, `deploymentTemplates/workbooks/call-telemetry.workbook.json`, is
  the `serializedData` string of the BotApp template's `Microsoft.Insights/workbooks` resource;
- each existing-resource-group template is the nested deployment of its new-resource-group
  wrapper.

Edit the workbook file or a `deployUseExistResourceGroup` template, then run
`.venv/bin/python -m devtools.deployment_templates`. `tests/deployment` fails while a copy
differs from its source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "deploymentTemplates"
WORKBOOK = TEMPLATES_DIR / "workbooks" / "call-telemetry.workbook.json"
EXISTING_GROUP = TEMPLATES_DIR / "deployUseExistResourceGroup"
NEW_GROUP = TEMPLATES_DIR / "deployWithNewResourceGroup"
KINDS = ("AzureBot", "BotApp", "IncomingCalls")
WORKBOOK_TYPE = "Microsoft.Insights/workbooks"


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def render(document: Any) -> str:
    """The layout every file in deploymentTemplates/ is kept in."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def serialized_workbook(workbook: Any) -> str:
    """The workbook as the portal stores it: one JSON string (compact: the portal lays it out)."""
    return json.dumps(workbook, ensure_ascii=False, separators=(",", ":"))


def with_workbook(template: dict[str, Any], workbook: Any) -> dict[str, Any]:
    """`template` with the workbook embedded in every workbook resource it declares."""
    embedded = json.loads(json.dumps(template))
    for resource in embedded["resources"]:
        if resource["type"] == WORKBOOK_TYPE:
            resource["properties"]["serializedData"] = serialized_workbook(workbook)
    return embedded


def wrapping(wrapper: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """`wrapper` with `template` as its one nested deployment's template."""
    wrapped = json.loads(json.dumps(wrapper))
    (deployment,) = [r for r in wrapped["resources"] if r["type"] == "Microsoft.Resources/deployments"]
    deployment["properties"]["template"] = template
    return wrapped


def expected_files() -> dict[Path, str]:
    """Every generated file with the text it should have."""
    files = {}
    workbook = read(WORKBOOK)
    for kind in KINDS:
        source = EXISTING_GROUP / f"template-{kind}-with-rg.json"
        template = with_workbook(read(source), workbook)
        files[source] = render(template)
        target = NEW_GROUP / f"template-{kind}-new-rg.json"
        files[target] = render(wrapping(read(target), template))
    return files


def main() -> None:
    for path, text in expected_files().items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(TEMPLATES_DIR.parent)}")


if __name__ == "__main__":
    main()
