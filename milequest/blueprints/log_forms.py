"""The team page's blank log form: rendered once per (unit system, day) in this process, then
filled in with what differs between viewers (their CSRF token, a fresh client id, the team).

WTForms renders each field through Python, which was about a third of a warm team page's own
CPU; a blank form is otherwise the same for every walker with the same units and local date.
"""

import uuid
from datetime import date
from functools import lru_cache

from flask import render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from milequest.forms.activities import blank_form, form_context

_TOKEN, _CLIENT_ID, _TEAM_ID = "@@csrf-token@@", "@@client-id@@", "@@team-id@@"


def log_form(units: str, today: date, team_id: int) -> Markup:
    html = _blank(units, today)
    for placeholder, value in (
        (_TOKEN, generate_csrf()),
        (_CLIENT_ID, str(uuid.uuid4())),
        (_TEAM_ID, str(team_id)),
    ):
        html = html.replace(placeholder, value)
    return Markup(html)


@lru_cache(maxsize=32)
def _blank(units: str, today: date) -> str:
    form = blank_form(units, today)
    form.client_id.data, form.team_id.data = _CLIENT_ID, _TEAM_ID
    html = render_template("teams/_log_form.html", **form_context(form, today))
    return html.replace(generate_csrf(), _TOKEN)
