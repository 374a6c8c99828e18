"""The import graph: layers import downward only, and nothing imports what imports it back.

Every module is parsed with ``ast`` (imports inside functions count too, so a cycle cannot
hide in one) and each import resolved to one of our modules:

    store  <-  ingest
    store  <-  warehouse
    store, warehouse  <-  ui  <-  pages, dashboard.py
    store, warehouse, ui's pure modules  <-  alerts     (nothing imports alerts)
    bench and tests may import anything

``ingest`` and ``warehouse`` never import each other (the ingest CLI runs the build as a child
process); ``ui``, ``pages`` and ``dashboard.py`` read the published warehouse only, so they
import neither ``ingest`` nor ``warehouse.build``; ``store`` imports nothing else of ours.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.support import ROOT

PACKAGES = ("store", "ingest", "warehouse", "ui", "pages", "alerts", "bench", "tests")
# Which of our top-level packages each one may import (besides itself).
ALLOWED = {
    "store": set(),
    "ingest": {"store"},
    "warehouse": {"store"},
    "ui": {"store", "warehouse"},
    "pages": {"store", "warehouse", "ui"},
    "dashboard": {"store", "warehouse", "ui"},
    "alerts": {"store", "warehouse", "ui"},
    "bench": {"store", "ingest", "warehouse", "ui"},
    "tests": {"store", "ingest", "warehouse", "ui", "pages", "dashboard", "alerts", "bench"},
}
READERS = ("ui", "pages", "dashboard", "alerts")  # read the published warehouse only
NOT_FOR_READERS = ("ingest", "warehouse.build")
# Edges still to go, each with the work that removes it. A listed edge that no longer exists
# fails too, so that this list only ever shrinks.
KNOWN: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    found = {"dashboard": ROOT / "dashboard.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is one of our modules."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that ``module`` imports, anywhere in it. ``from pkg import name`` is an
    import of ``pkg.name`` when that is a module, else of ``pkg``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        out |= {found for t in targets if (found := _resolve(t, modules)) and found != module}
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {module: _imports(module, path, modules) for module, path in modules.items()}


def _top(module: str) -> str:
    return module.split(".")[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        packages[_top(module)] |= {_top(t) for t in targets if _top(t) != _top(module)}
    return dict(packages)


def forbidden_edges(graph: dict[str, set[str]]) -> list[str]:
    """Every import that breaks the layering, as 'module -> module: why'."""
    bad = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if (module, target) in KNOWN:
                continue
            source, into = _top(module), _top(target)
            if source != into and into not in ALLOWED[source]:
                bad.append(f"{module} -> {target}: {source} may import only {sorted(ALLOWED[source]) or 'nothing of ours'}")
            elif source in READERS and any(target == n or target.startswith(n + ".") for n in NOT_FOR_READERS):
                bad.append(f"{module} -> {target}: the dashboard reads the published warehouse only")
    return bad


GRAPH = import_graph()


def test_the_graph_sees_every_package_and_function_level_imports():
    assert {_top(m) for m in GRAPH} == set(PACKAGES) | {"dashboard"}
    assert "store.db" in GRAPH["store.runs"]  # a module-level import
    assert "ui.data" in GRAPH["dashboard"]


def test_no_module_imports_what_imports_it_back():
    assert cycles(GRAPH) == []


def test_no_package_imports_what_imports_it_back():
    assert cycles(package_graph(GRAPH)) == []


def test_layers_import_downward_only():
    assert forbidden_edges(GRAPH) == []


def test_known_edges_still_exist():
    """A removed edge leaves KNOWN: the list of exceptions only shrinks."""
    assert [edge for edge in KNOWN if edge[1] not in GRAPH.get(edge[0], set())] == []


def test_the_checks_find_what_they_are_for():
    """The checks above on small graphs that break each rule."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles(package_graph({"ui.charts": {"ui.labels"}, "ui.labels": {"warehouse.stats"},
                                 "warehouse.stats": {"ui.format"}, "ui.format": set()})) == [["ui", "warehouse"]]
    bad = forbidden_edges({"warehouse.build": {"ingest.runs"}, "ui.page": {"warehouse.build", "warehouse.queries"},
                           "store.db": {"warehouse.config"}, "pages.x": {"ingest.jobs"}})
    assert [line.split(":")[0] for line in bad] == [
        "pages.x -> ingest.jobs", "store.db -> warehouse.config", "ui.page -> warehouse.build",
        "warehouse.build -> ingest.runs"]


def _imports_streamlit(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
            return True
    return False


def reachable(graph: dict[str, set[str]], start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_alerts_need_no_streamlit_session():
    """The cron command imports ui's pure modules only: none of what it reaches imports
    streamlit (ui.data, ui.page, ui.auth, ui.filters do)."""
    modules = _modules()
    uses = {m for m, path in modules.items() if _imports_streamlit(path)}
    assert {"ui.data", "ui.page"} <= uses  # the check sees them
    reached = reachable(GRAPH, {m for m in GRAPH if _top(m) == "alerts"})
    assert "ui.formats" in reached and "store.sent_events" in reached
    assert sorted(reached & uses) == []


def test_nothing_imports_alerts():
    importers = {m for m, targets in GRAPH.items() for t in targets
                 if _top(t) == "alerts" and _top(m) not in ("alerts", "tests")}
    assert importers == set()
