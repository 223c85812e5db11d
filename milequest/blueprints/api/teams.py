"""My teams, a team with its journey, progress and members, its leaderboard and its events.

Every team URL goes through the pages' `team_view`: the same outsider gets the same 404.
"""

from flask_login import current_user

from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import ID, FieldsQuery, bp, next_link, operation, resource
from milequest.blueprints.api.problems import ApiProblem
from milequest.blueprints.team_scope import team_view
from milequest.services.core import team_events
from milequest.services.core.team_access import Need
from milequest.services.journeying import journeys
from milequest.services.teamwork import leaderboards, teams

EVENTS_PAGE = 50


@bp.get("/me/teams")
@operation(tags=("teams",), ok={200: schemas.TeamList}, query=FieldsQuery, cached=True)
def my_teams(query):
    """The teams I am in (active ones)."""
    items = [team_json(team, is_member=True) for team in teams.teams_for(current_user)]
    return resource(schemas.TeamList, {"items": items})


@bp.get(f"/teams/<{ID}:team_id>")
@operation(tags=("teams",), ok={200: schemas.TeamDetail}, query=FieldsQuery, cached=True)
@team_view(bp, need=Need.VISITOR)
def team(access, query):
    """A team: its journey and progress and its members (a public team's outsider sees only
    what its preview page shows: journey and members are null)."""
    data = team_json(access.team, is_member=access.is_member)
    data |= {"journey": None, "members": None}
    if access.is_member:
        journey = journeys.shown_journey(access.team)
        data["journey"] = journey_json(journey) if journey else None
        data["members"] = [member_json(m) for m in teams.members_of(access.team)]
    return resource(schemas.TeamDetail, data)


@bp.get(f"/teams/<{ID}:team_id>/leaderboard")
@operation(tags=("teams",), ok={200: schemas.Leaderboard}, query=FieldsQuery, cached=True)
@team_view(bp, need=Need.MEMBER)
def leaderboard(access, query):
    """The shown journey's leaderboard, most distance first (empty without a journey)."""
    journey = journeys.shown_journey(access.team)
    standings = leaderboards.leaderboard(journey) if journey else []
    items = [
        {
            "user_id": s.user.id,
            "display_name": s.user.display_name,
            "distance_m": float(s.distance_m),
            "active_days": s.active_days,
            "is_former": s.is_former,
        }
        for s in standings
    ]
    return resource(schemas.Leaderboard, {"journey_id": journey and journey.id, "items": items})


@bp.get(f"/teams/<{ID}:team_id>/events")
@operation(tags=("teams",), ok={200: schemas.EventList}, query=schemas.EventQuery, cached=True)
@team_view(bp, need=Need.MEMBER)
def events(access, query):
    """The team's feed, newest first, a page at a time (`cursor`); or, with `after=<id>`, every
    event after that id, oldest first: what a client that follows the team asks for."""
    if query.after is not None:
        found = team_events.after(access.team.id, query.after, EVENTS_PAGE)
        more = len(found) == EVENTS_PAGE
        cursor = {"after": found[-1].id} if more else None
    else:
        before = _event_cursor(query.cursor)
        found = team_events.recent(access.team.id, EVENTS_PAGE + 1, before=before)
        more, found = len(found) > EVENTS_PAGE, found[:EVENTS_PAGE]
        cursor = {"cursor": str(found[-1].id)} if more else None
    body = {
        "items": [event_json(e) for e in found],
        "next_cursor": cursor and str(next(iter(cursor.values()))),
    }
    return resource(schemas.EventList, body, headers=next_link(**cursor) if cursor else None)


def _event_cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:  # "²" is a digit
        raise ApiProblem(400, "The cursor is not one this API gave.", field="cursor")
    return int(value)


def team_json(team, *, is_member: bool) -> dict:
    return {
        "id": team.id,
        "name": team.name,
        "description": team.description,
        "is_public": team.is_public,
        "member_count": team.member_count,
        "member_limit": team.member_limit,
        "archived": team.is_archived,
        "is_member": is_member,
    }


def journey_json(journey) -> dict:
    progress = journeys.progress(journey)
    milestone = progress.next_milestone
    return {
        "id": journey.id,
        "status": str(journey.status),
        "started_on": journey.started_on.isoformat() if journey.started_on else None,
        "route": {"id": journey.route.id, "name": journey.route.name},
        "progress": {
            "distance_m": progress.distance_m,
            "length_m": progress.length_m,
            "remaining_m": progress.remaining_m,
            "percent": round(progress.percent, 2),
            "position": {
                "lon": progress.position.lon,
                "lat": progress.position.lat,
                "at_end": progress.position.at_end,
            },
        },
        "next_milestone": milestone
        and {"name": milestone.waypoint.name, "distance_to_m": milestone.distance_to_m},
    }


def member_json(membership) -> dict:
    return {
        "user_id": membership.user_id,
        "display_name": membership.user.display_name,
        "role": str(membership.role),
        "joined_on": membership.joined_on.isoformat(),
    }


def _person(user) -> dict | None:
    return user and {"id": user.id, "display_name": user.display_name}


def event_json(event) -> dict:
    return {
        "id": event.id,
        "kind": event.kind,
        "created_at": event.created_at.isoformat(),
        "actor": _person(event.actor),
        "subject": _person(event.subject),
        "data": event.data or {},
    }
