"""A captain's member list on the team page (a role and a remove form per member): rendered once
per team version and captain in this process, then given the viewer's CSRF token.

Rendered on every view it cost the captain of a 100-member team about 6 ms of CPU and a query,
more than the rest of their teammates' page. A role change or a removal appends an event, so
the version moves with every change the list shows.
"""

from flask import render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from milequest.services.core.team_access import TeamAccess
from milequest.services.live import team_page_parts
from milequest.services.teamwork import teams

_TOKEN = "@@csrf-token@@"


def member_list(access: TeamAccess) -> Markup:
    version = team_page_parts.version_of(access)
    key = (version, "captain-members", current_user.id)  # "(you)" is theirs

    def render() -> str:
        members = teams.members_of(access.team)
        html = render_template(
            "teams/_members.html", team=access.team, members=members, access=access
        )
        return html.replace(generate_csrf(), _TOKEN)

    html = team_page_parts.RENDERS.get_or_render(key, render)
    return Markup(html.replace(_TOKEN, generate_csrf()))
