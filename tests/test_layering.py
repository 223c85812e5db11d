"""Imports run one way: blueprints -> services -> models -> extensions (and workers -> services).

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
