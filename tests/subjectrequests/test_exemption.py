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


def test_nothing_but_the_subject_request_service_calls_the_subject_search():
    callers = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("tests/", "subjectrequests/selectors.py")) or any(
            part.startswith(".") for part in path.relative_to(ROOT).parts
        ):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        if _imports_selector(tree):
            callers.append(relative)
    assert sorted(callers) == sorted(ALLOWED), callers
