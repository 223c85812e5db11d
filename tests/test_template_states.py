"""Templates name states through their StrEnums, so a misspelt state fails here, not silently.

Jinja renders an unknown attribute as an empty, falsy value: `RouteStatus.REDY` would quietly be
false. This reads every template for the states it names and checks each exists.
"""

import re
from pathlib import Path

from milequest.blueprints import TEMPLATE_STATES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STATES = {state.__name__: state for state in TEMPLATE_STATES}
NAMED = re.compile(r"\b(" + "|".join(STATES) + r")\.([A-Za-z_]+)")
STRING_STATE = re.compile(r"\b(status|review_status|role)\s*(==|!=)\s*['\"]")


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


def unknown_states(text: str) -> list[str]:
    return [f"{s}.{m}" for s, m in NAMED.findall(text) if m not in STATES[s].__members__]


def test_every_state_a_template_names_exists():
    found = {str(p.relative_to(TEMPLATES)): unknown_states(p.read_text()) for p in template_files()}
    assert {name: states for name, states in found.items() if states} == {}
    assert any(NAMED.search(p.read_text()) for p in template_files())


def test_no_template_compares_a_state_with_a_string():
    found = [
        str(p.relative_to(TEMPLATES))
        for p in template_files()
        if STRING_STATE.search(p.read_text())
    ]
    assert found == []


def test_the_check_sees_a_misspelt_state():
    assert unknown_states("{% if route.status == RouteStatus.REDY %}") == ["RouteStatus.REDY"]
    assert unknown_states("{% if route.status == RouteStatus.READY %}") == []
