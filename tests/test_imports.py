"""The package's import graph: no cycles, and layers import downwards only.

Every import statement counts, including those under ``if TYPE_CHECKING:`` and inside
functions (cycles hide there).  ``from heart_plan.a import b`` is an edge to the module
``heart_plan.a.b`` when that module exists, else to ``heart_plan.a``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "heart_plan"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = module.split(".")
                keep = len(base_parts) - node.level + (1 if is_package else 0)
                base = ".".join(base_parts[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # the deepest known module that prefixes the target
            parts = target.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            if parts and ".".join(parts) != module:
                out.add(".".join(parts))
    return out


def import_graph() -> nx.DiGraph:
    """Directed graph module -> imported module over the heart_plan package."""
    modules = _modules()
    known = set(modules)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in modules.items():
        for target in _imports(name, path, known):
            graph.add_edge(name, target)
    return graph


def test_graph_sees_hidden_imports() -> None:
    """The walker finds imports inside functions and under TYPE_CHECKING."""
    graph = import_graph()
    assert graph.number_of_edges() > 100
    # cli imports its commands inside a function
    assert graph.has_edge("heart_plan.cli", "heart_plan.commands")


def test_no_import_cycles() -> None:
    """No cycle anywhere in the package's import graph."""
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_nothing_below_the_cli_imports_commands() -> None:
    """Only the CLI (``cli``, ``commands/``) imports ``commands/``."""
    graph = import_graph()
    bad = [
        (a, b)
        for a, b in graph.edges
        if b.startswith("heart_plan.commands")
        and not (a.startswith("heart_plan.commands") or a == "heart_plan.cli")
    ]
    assert bad == []


def test_report_imports_only_result_types_from_planning() -> None:
    """The report and maps read typed results; they never call the planning layer."""
    graph = import_graph()
    bad = [
        (a, b)
        for a, b in graph.edges
        if a.startswith("heart_plan.report")
        and b.startswith("heart_plan.planning")
        and b != "heart_plan.planning.results"
    ]
    assert bad == []


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("heart_plan.models", "heart_plan.planning"),
        ("heart_plan.network", "heart_plan.planning"),
        ("heart_plan.staffing", "heart_plan.planning"),
        ("heart_plan.simulation", "heart_plan.planning"),
        ("heart_plan.planning", "heart_plan.report"),
        ("heart_plan.planning", "heart_plan.writer"),
    ],
)
def test_layers_import_downwards(lower: str, upper: str) -> None:
    """A lower layer never imports a higher one."""
    graph = import_graph()
    bad = [(a, b) for a, b in graph.edges if a.startswith(lower) and b.startswith(upper)]
    assert bad == []
