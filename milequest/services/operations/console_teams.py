"""The console's teams: find any team (private and archived ones too) and archive one."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from milequest.extensions import db
from milequest.models import Membership, Team, User
from milequest.services.operations import audit_log
from milequest.services.teamwork import teams

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class FoundTeam:
    team: Team
    members: int


def search_teams(query: str, limit: int = SEARCH_LIMIT) -> list[FoundTeam]:
    """Teams whose name contains `query`, or whose id it is; newest first, with member counts."""
    text = query.strip()
    matches: ColumnElement[bool] = Team.name.ilike(f"%{teams.escape_like(text)}%")
    if text.isdigit():
        matches = or_(matches, Team.id == int(text))
    members = (
        select(func.count())
        .where(Membership.team_id == Team.id, Membership.left_at.is_(None))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Team, members).where(matches).order_by(Team.id.desc()).limit(limit)
    ).all()
    return [FoundTeam(team, count) for team, count in rows]


def archive_team(operator: User, team_id: int) -> Team | None:
    """Archive a team as its captain would (its journey ends). Raises teams.TeamArchived."""
    team = db.session.get(Team, team_id)
    if team is None:
        return None
    teams.archive_team(team, operator)
    audit_log.record(operator, "team_archived", "team", team.id, name=team.name)
    return team
