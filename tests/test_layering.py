"""Imports run one way: blueprints -> services -> models -> extensions (and workers -> services).

`milequest/lib` holds adapters that need no database: it imports none of the app's layers (it may
read `current_app.config`). Inside
`milequest/services`, feature packages lean on `core` and on each other without a cycle.

Read from the source with `ast`, so a function-level import counts as much as a top-level one.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each layer must never import (module name prefixes).
FORBIDDEN = {
    "milequest/models": ("milequest.services", "milequest.blueprints", "workers", "flask.request"),
    "milequest/services": ("milequest.blueprints", "workers", "flask.request", "flask_login"),
    "milequest/lib": (
        "milequest.extensions",
        "milequest.models",
        "milequest.services",
        "milequest.blueprints",
        "workers",
        "flask.request",
        "flask.session",
        "flask.g",
        "flask_login",
    ),
    "milequest/extensions.py": ("milequest.models", "milequest.services", "milequest.blueprints"),
    "milequest/refusals.py": ("milequest", "flask"),
    "workers": ("milequest.blueprints",),
}


def imported_names(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in `path`, `from x import y` giving `x.y`."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return names


def files_of(layer: str) -> list[Path]:
    path = ROOT / layer
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def breaches(layer: str) -> list[str]:
    found = []
    for path in files_of(layer):
        for line, name in imported_names(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_import_runs_against_the_layering(layer):
    assert files_of(layer), f"{layer} has no Python files: the map is out of date"
    assert breaches(layer) == []


def test_the_check_sees_a_breach(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_layering.ROOT", tmp_path)  # a model that reaches up into a view
    (tmp_path / "milequest" / "models").mkdir(parents=True)
    (tmp_path / "milequest" / "models" / "bad.py").write_text(
        "def f():\n    from milequest.blueprints.teams import bp\n"
    )
    assert breaches("milequest/models") == [
        "milequest/models/bad.py:2 imports milequest.blueprints.teams.bp"
    ]


def feature_graph(root: Path) -> dict[str, set[str]]:
    """Which feature package of `milequest/services` imports which other."""
    services = root / "milequest" / "services"
    graph: dict[str, set[str]] = {}
    for path in services.rglob("*.py"):
        parts = path.relative_to(services).parts
        feature = parts[0] if len(parts) > 1 else path.stem
        for _, name in imported_names(path):
            target = name.split(".")[2] if name.startswith("milequest.services.") else None
            if target and target != feature and (services / target).is_dir():
                graph.setdefault(feature, set()).add(target)
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle between features, or [] when there is none."""
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return []


def test_features_import_each_other_without_a_cycle_and_core_imports_none():
    graph = feature_graph(ROOT)
    assert graph.get("core", set()) == set()
    assert cycle_in(graph) == []


def test_the_cycle_check_sees_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) == []
