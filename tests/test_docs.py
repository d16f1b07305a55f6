"""README.md and docs/ document every command and option; README.md starts with the two commands."""

from __future__ import annotations

import re

import click
import pytest

from privsearch.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOC_PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCS = {path: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *DOC_PAGES]}
ALL_DOCS = "\n".join(DOCS.values())
COMMANDS_PAGE = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
HOW_IT_WORKS = (ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S)
    assert "privsearch search" in blocks[0] and "pip install" in blocks[0]
    assert "pytest" in blocks[1] and "pip install" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip().splitlines()[-1].split("&& ")[-1].strip() in ci


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_documented(name):
    command = cli.commands[name]
    assert command.help and "Example:" in command.help
    assert f"privsearch {name}" in COMMANDS_PAGE


@pytest.mark.parametrize(
    ("name", "option"),
    [
        (name, opt)
        for name, command in sorted(cli.commands.items())
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
    ],
)
def test_every_option_is_documented(name, option):
    assert option in ALL_DOCS, f"privsearch {name} {option} is not in README.md or docs/"


def test_every_dependency_is_explained():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.S | re.M).group(1)
    names = re.findall(r'^\s*"([A-Za-z0-9_.\-]+)', block, re.M)
    assert len(names) >= 5
    table = HOW_IT_WORKS.split("## Dependencies", 1)[1]
    for name in names:
        assert f"| `{name}` |" in table, name


def test_readme_is_a_front_door():
    assert len(README) <= 12_000, f"README.md is {len(README)} characters; move reference to docs/"
    for path in DOC_PAGES:
        assert f"](docs/{path.name})" in README, f"README.md does not link {path.name}"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercased, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("path", list(DOCS), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(path):
    text = re.sub(r"```.*?```", "", DOCS[path], flags=re.S)
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    for link in links:
        if re.match(r"[a-z][a-z0-9+.-]*:", link):
            continue
        target, _, fragment = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        assert file.exists(), f"{path.name}: {link} points to a missing file"
        if fragment and file.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.M)
            assert fragment in {_anchor(h) for h in headings}, f"{path.name}: no #{fragment}"
