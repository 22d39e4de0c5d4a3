"""The subject search is an exemption from ``visible_to``: its selector is imported by the
subject-request service and nothing else (tests aside)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SELECTOR = "subjectrequests.selectors"
ALLOWED = {"subjectrequests/services.py"}


def _imports_selector(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == SELECTOR for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom):
            if node.module == SELECTOR:
                return True
            if node.module == "subjectrequests" and any(a.name == "selectors" for a in node.names):
                return True
        if isinstance(node, ast.Attribute) and node.attr == "find_data_subject":
            return True
        if isinstance(node, ast.Name) and node.id == "find_data_subject":
            return True
    return False


def _sources():
    """The project's Python files outside the tests (hidden folders, the virtualenv, static
    files and translations left out)."""
    skipped = {"tests", "static", "locale", "node_modules", "templates", "docs"}
    for top in ROOT.iterdir():
        if top.name.startswith(".") or top.name in skipped:
            continue
        if top.is_file() and top.suffix == ".py":
            yield top
        elif top.is_dir():
            yield from top.rglob("*.py")


def test_nothing_but_the_subject_request_service_calls_the_subject_search():
    callers = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative == "subjectrequests/selectors.py":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        if _imports_selector(tree):
            callers.append(relative)
    assert sorted(callers) == sorted(ALLOWED), callers
