"""The package's shape: no import cycle, Lambda functions on runtime modules only, retries named after the domain.

The layer contracts themselves (the domain imports no adapter, runtime modules never import the development
ones) are import-linter's, in pyproject.toml, run by `make lint`.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import grimp

from clea_intake.domain.errors import RETRYABLE

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted((ROOT / "functions").glob("*/app.py"))
DEVELOPMENT = ("clea_intake.local", "clea_intake.samples", "clea_intake.cli", "clea_intake.quality")
ASL = ROOT / "infra" / "statemachine" / "application.asl.json"


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each one an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def test_import_graph_of_the_package_has_no_cycle() -> None:
    # Given the import graph of shared/clea_intake, imports inside functions included
    graph = grimp.build_graph("clea_intake")
    assert "clea_intake.services.flow" in graph.modules
    # When its cycles are looked for  Then there is none
    assert import_cycles(graph) == []


def test_import_cycles_finds_a_cycle_hidden_in_a_function(tmp_path, monkeypatch) -> None:
    # Given a package whose module b imports a inside a function, while a imports b at the top
    package = tmp_path / "cyclic_sample"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_sample import b\n")
    (package / "b.py").write_text("def late():\n    from cyclic_sample import a\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    # When its cycles are looked for  Then the hidden one is found
    assert import_cycles(grimp.build_graph("cyclic_sample", cache_dir=None)) == [
        ["cyclic_sample.a", "cyclic_sample.b"]]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_functions_import_no_development_module() -> None:
    # Given every Lambda handler (functions/*/app.py, outside the package)
    assert len(FUNCTIONS) == 12  # ten flow functions, the register import and the console API
    for path in FUNCTIONS:
        # When its imports are read  Then none is a development module; the runtime modules it imports
        # never import one either (import-linter's contract), so nothing it loads does
        imported = _imports(path)
        assert "clea_intake.runtime" in imported, path
        assert not [name for name in imported if name.startswith(DEVELOPMENT)], path


def test_state_machine_retries_every_retryable_domain_error_on_every_task() -> None:
    # Given the state machine's tasks and the domain's retryable errors
    states = json.loads(ASL.read_text(encoding="utf-8"))["States"]
    tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
    assert tasks
    for name, state in tasks.items():
        # Then each task retries each of them by its exception name (the Lambda's errorType)
        retried = {error for rule in state.get("Retry", []) for error in rule["ErrorEquals"]}
        assert {error.__name__ for error in RETRYABLE} <= retried, name
