"""The platform's import graph has no cycles, between files or between parts, and its layers
point one way (``docs/architecture.md``):

    config  <  core (kernel)  <  audit  <  web  <  accounts, filestore  <  intelligence
            <  analysis  <  tasking  <  operations, notifications, sharing, exchange,
    subjectrequests, dataprotection  <  training;   oversight sits above web and audit;
    the project
    (settings, urls, wsgi) above everything.

Every ``import`` counts, those inside functions included: a late import hides a cycle from
Python, not from a reader.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "ilp_platform",
    "audit",
    "intelligence",
    "analysis",
    "tasking",
    "oversight",
    "operations",
    "notifications",
    "sharing",
    "exchange",
    "subjectrequests",
    "dataprotection",
    "training",
)
# Parts, by module prefix (the longest prefix wins).
PARTS = {
    "ilp_platform.env": "config",
    "ilp_platform.celery": "config",
    "ilp_platform.core": "core",
    "audit": "audit",
    "ilp_platform.web": "web",
    "ilp_platform.accounts": "accounts",
    "ilp_platform.filestore": "filestore",
    "intelligence": "intelligence",
    "analysis": "analysis",
    "tasking": "tasking",
    "oversight": "oversight",
    "operations": "operations",
    "notifications": "notifications",
    "sharing": "sharing",
    "exchange": "exchange",
    "subjectrequests": "subjectrequests",
    "dataprotection": "dataprotection",
    "training": "training",
    "ilp_platform": "project",
}
# What each part may import (besides itself).
ALLOWED = {
    "config": set(),
    "core": {"config"},
    "audit": {"config", "core"},
    "web": {"config", "core", "audit"},
    "accounts": {"config", "core", "audit", "web"},
    "filestore": {"config", "core", "audit", "web"},
    "intelligence": {"config", "core", "audit", "web", "accounts", "filestore"},
    "analysis": {"config", "core", "audit", "web", "accounts", "filestore", "intelligence"},
    "tasking": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "filestore",
        "intelligence",
        "analysis",
    },
    "oversight": {"config", "core", "audit", "web", "accounts"},
    "operations": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "intelligence",
        "analysis",
        "tasking",
    },
    "notifications": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "intelligence",
        "analysis",
        "tasking",
    },
    # The second wave's apps sit above the domain apps they serve.
    "sharing": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "intelligence",
        "analysis",
        "tasking",
    },
    "exchange": {"config", "core", "audit", "web", "accounts", "intelligence"},
    "subjectrequests": {"config", "core", "audit", "web", "accounts", "intelligence"},
    "dataprotection": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "intelligence",
        "analysis",
        "tasking",
        "operations",
    },
    # Training (issue 21) sits above every domain app: its scenario and exercises use them all.
    "training": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "filestore",
        "intelligence",
        "analysis",
        "tasking",
        "oversight",
        "operations",
        "notifications",
        "sharing",
        "exchange",
        "subjectrequests",
        "dataprotection",
    },
    "project": {
        "config",
        "core",
        "audit",
        "web",
        "accounts",
        "filestore",
        "intelligence",
        "analysis",
        "tasking",
        "oversight",
        "operations",
        "notifications",
        "sharing",
        "exchange",
        "subjectrequests",
        "dataprotection",
        "training",
    },
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _resolve(name: str, modules) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved and resolved != name:
                    graph[name].add(resolved)
    return graph


def part_of(module: str) -> str:
    best = max((p for p in PARTS if module == p or module.startswith(p + ".")), key=len)
    return PARTS[best]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_files_import_each_other_even_through_others():
    cycles = _cycles(import_graph())
    assert not cycles, f"import cycles between files: {cycles}"


def test_each_part_imports_only_the_parts_below_it():
    wrong = sorted(
        f"{a} ({part_of(a)}) imports {b} ({part_of(b)})"
        for a, targets in import_graph().items()
        for b in targets
        if part_of(a) != part_of(b) and part_of(b) not in ALLOWED[part_of(a)]
    )
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_the_parts_have_no_cycle():
    parts: dict[str, set[str]] = defaultdict(set)
    for a, targets in import_graph().items():
        for b in targets:
            if part_of(a) != part_of(b):
                parts[part_of(a)].add(part_of(b))
    assert not _cycles(parts)


def test_the_check_sees_a_cycle_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
