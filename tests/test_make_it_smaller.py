"""README's "Make it smaller", run as written: each recipe, on a copy of the repository, leaves an app
that starts and answers a chat, a suite that collects, and a Makefile whose targets still make.

The recipes are read from the README, so the two cannot drift apart. Each is a
`### Without …` heading and one `sh` block: `rm -rf` of the part's folders and
of the tests that need it and another part, then a `sed` that deletes the lines
the part owns in shared files, each marked `# part: <name>` (several names when
it needs several parts). A new part that can be taken out is a new recipe there,
and marks on its lines; nothing here changes.

The copy holds the repository's files only (what `git ls-files` lists, and new
files not ignored); it runs on this environment's Python and packages.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from devtools.processes import serve_app
from dialogs import prompts
from simulator.chat import ChatChannel

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: The end of a line a part owns: `# part: recordings`, or `# part: call-automation, recordings`.
MARK = re.compile(r"# part: ([a-z-]+(?:, [a-z-]+)*)\s*$")
COLLECT_TIMEOUT_S = 180


@dataclass(frozen=True)
class Recipe:
    title: str  # "Call Automation", as in "### Without Call Automation"
    part: str  # the name its lines are marked with
    script: str
    removes: tuple[str, ...]  # what its `rm -rf` deletes
    edits: tuple[str, ...]  # the files its `sed` edits


def read_recipes() -> list[Recipe]:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Make it smaller\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, 'README has no "## Make it smaller" section'
    recipes = []
    for title, script in re.findall(r"^### Without (.+?)\n.*?```sh\n(.*?)```", section.group(1), re.S | re.M):
        joined = script.replace("\\\n", " ")
        removes = tuple(path for line in re.findall(r"^rm -rf (.+)$", joined, re.M) for path in line.split())
        (edit,) = re.findall(r"^sed -i '/# part: \.\*([a-z-]+)/d' (.+)$", joined, re.M)
        recipes.append(Recipe(title, edit[0], script, removes, tuple(edit[1].split())))
    assert recipes, 'README\'s "Make it smaller" has no recipe'
    return recipes


RECIPES = read_recipes()


def repository_files(root: Path = ROOT) -> list[str]:
    """The files a clone has: tracked, and new ones not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (root / name).is_file()]


def marks(root: Path, files: list[str]) -> dict[str, set[str]]:
    """Each part named in a `# part:` mark, and the files that hold its marks."""
    found: dict[str, set[str]] = {}
    for name in files:
        try:
            lines = (root / name).read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for line in lines:
            mark = MARK.search(line)
            if mark:
                for part in mark.group(1).split(", "):
                    found.setdefault(part, set()).add(name)
    return found


def test_every_part_marked_in_the_code_has_a_recipe_that_edits_every_file_marked():
    recipes = {recipe.part: recipe for recipe in RECIPES}
    for part, files in marks(ROOT, repository_files()).items():
        assert part in recipes, f"lines are marked '# part: {part}' but README has no recipe for {part}"
        assert files <= set(recipes[part].edits), f"the {part} recipe's sed misses {files - set(recipes[part].edits)}"


def test_everything_a_recipe_removes_exists():
    for recipe in RECIPES:
        for path in recipe.removes:
            assert (ROOT / path).exists(), f"the {recipe.title} recipe removes {path}, which is not there"


def copy_of_the_repository(into: Path) -> Path:
    for name in repository_files():
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, into / name)
    return into


def child_environment() -> dict[str, str]:
    """This environment, less what pytest tells its own children."""
    return {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}


def collect(copy: Path) -> subprocess.CompletedProcess[str]:
    """`pytest --collect-only` over the copy's whole suite."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        command, cwd=copy, env=child_environment(), capture_output=True, text=True, timeout=COLLECT_TIMEOUT_S
    )


async def app_answers(copy: Path, log: Path) -> None:
    """`python app.py` in the copy: /healthz is ok, and a chat hears the welcome and the goodbye."""
    async with serve_app({"MicrosoftAppId": "", "MicrosoftAppPassword": ""}, cwd=copy, log=log) as server:
        async with aiohttp.ClientSession() as session, session.get(f"{server.url}/healthz") as health:
            assert health.status == 200 and (await health.json()) == {"status": "ok"}
        async with ChatChannel(server.messages_url) as channel:
            chat = channel.chat("webchat")
            assert [reply["text"] for reply in await chat.open()][:1] == [prompts.WELCOME]
            assert [reply["text"] for reply in await chat.say("goodbye")] == [prompts.GOODBYE]
            assert set(chat.statuses) <= {200, 201}, chat.statuses


@dataclass
class Outcome:
    """What became of a copy after a recipe: each check's failure, or None."""

    applied: str | None = None
    left: str | None = None
    app: str | None = None
    collected: str | None = None
    made: str | None = None


def apply_and_check(recipes: list[Recipe], folder: Path) -> Outcome:
    """Copy, apply `recipes` in order, then start the app and collect the suite, side by side."""
    copy = copy_of_the_repository(folder / "repository")
    outcome = Outcome()
    script = "".join(recipe.script for recipe in recipes)
    applied = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=copy, capture_output=True, text=True)
    if applied.returncode != 0:
        outcome.applied = applied.stderr
        return outcome
    left = marks(copy, repository_files(ROOT))
    leftovers = [f"{r.part}: marks in {sorted(left[r.part])}" for r in recipes if r.part in left]
    leftovers += [f"{r.part}: {path} still there" for r in recipes for path in r.removes if (copy / path).exists()]
    outcome.left = "; ".join(leftovers) or None
    with ThreadPoolExecutor(1) as side:
        collecting = side.submit(collect, copy)
        try:
            asyncio.run(app_answers(copy, folder / "app.log"))
        except Exception as error:  # reported by the test, with the app's log
            log = (folder / "app.log").read_text(errors="replace")[-3000:] if (folder / "app.log").exists() else ""
            outcome.app = f"{type(error).__name__}: {error}\n{log}"
        collected = collecting.result()
    if collected.returncode != 0 or not re.search(r"^\d+(/\d+)? tests collected ", collected.stdout, re.M):
        outcome.collected = (collected.stdout + collected.stderr)[-3000:]
    made = subprocess.run(["make", "-n", *MAKE_TARGETS], cwd=copy, capture_output=True, text=True)
    if made.returncode != 0:
        outcome.made = made.stderr[-3000:]
    return outcome


#: What README's "Start here" runs, dry (`make -n`): each still has a rule after any recipe.
MAKE_TARGETS = ("run", "test", "call", "fuzz")

#: Each recipe alone, and every recipe one after the other (they compose, in README's order).
CASES = {recipe.part: [recipe] for recipe in RECIPES} | {"every-part": RECIPES}


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future[Outcome]]:
    """The selected cases' copies checked at once, a few at a time: each mostly waits on its child processes."""
    selected = {
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "originalname", "") == TEST_AFTER_A_RECIPE and item.path == request.path
    }
    with ThreadPoolExecutor(3) as pool:
        yield {
            case: pool.submit(apply_and_check, recipes, tmp_path_factory.mktemp(case))
            for case, recipes in CASES.items()
            if case in selected
        }


TEST_AFTER_A_RECIPE = "test_after_a_recipe_the_app_starts_and_answers_the_rest_of_the_suite_collects_and_make_makes"


@pytest.mark.parametrize("case", CASES)
def test_after_a_recipe_the_app_starts_and_answers_the_rest_of_the_suite_collects_and_make_makes(case, outcomes):
    outcome = outcomes[case].result()
    assert outcome.applied is None, f"the recipe failed: {outcome.applied}"
    assert outcome.left is None, outcome.left
    assert outcome.app is None, f"the app did not start and answer: {outcome.app}"
    assert outcome.collected is None, f"the suite does not collect: {outcome.collected}"
    assert outcome.made is None, f"make -n {' '.join(MAKE_TARGETS)} fails: {outcome.made}"
