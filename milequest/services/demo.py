"""Demo data for `make run`: loading it again adds only what is missing."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from milequest.extensions import db
from milequest.lib import passwords
from milequest.models import Membership, Route, Team, User
from milequest.models.base import utcnow
from milequest.models.route import RouteStatus
from milequest.services.journeying import journeys
from milequest.services.teamwork import teams
from milequest.services.walkers import accounts
from milequest.services.walks import activities

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "walk-the-world"
DEMO_TEAM = "Demo Walkers"
DEMO_ROUTE = "lands-end-john-o-groats"
DEMO_DAYS = 21
DEMO_TEAMMATES = [("ada@example.com", "Ada"), ("bo@example.com", "Bo")]


def load_demo_data(today: date | None = None) -> tuple[User, bool]:
    """Return the demo walker and whether anything was created now.

    Each piece is looked up before it is made, so data added by later versions of this function
    appears in an older development database too.
    """
    today = today or date.today()
    user, created = _walker(DEMO_EMAIL, "Demo Walker")
    team = next((t for t in teams.teams_for(user) if t.name == DEMO_TEAM), None)
    if team is None:
        created = True
        team = teams.create_team(
            user,
            name=DEMO_TEAM,
            description="The demo team: log a walk and watch the marker move.",
            is_public=True,
            member_limit=50,
        )
    walkers = [user]
    for email, name in DEMO_TEAMMATES:
        teammate, _ = _walker(email, name)
        walkers.append(teammate)
        if not teams.is_member(team, teammate):
            teams.join_team(team, teammate, via="demo")
            created = True
    _backdate_memberships(team, today - timedelta(days=DEMO_DAYS + 1))
    created |= _start_demo_journey(team, user, today - timedelta(days=DEMO_DAYS))
    created |= _log_demo_walks(walkers, today)
    return user, created


def _backdate_memberships(team: Team, since: date) -> None:
    """The demo team has walked together for weeks: its walks count from the first day."""
    start = datetime.combine(since, time(), tzinfo=UTC)
    db.session.execute(
        update(Membership)
        .where(Membership.team_id == team.id, Membership.joined_at > start)
        .values(joined_at=start, joined_on=since)
    )


def _start_demo_journey(team: Team, captain: User, started_on: date) -> bool:
    """Put the team on a catalog route (when the catalog is loaded)."""
    route = db.session.scalar(
        select(Route).where(Route.slug == DEMO_ROUTE, Route.status == RouteStatus.READY)
    )
    if route is None or journeys.active_journey(team) or journeys.past_journeys(team):
        return False
    journeys.start_journey(team, route, captain, started_on)
    return True


def _log_demo_walks(walkers: list[User], today: date) -> bool:
    """A few weeks of walks; their client ids are derived, so a second load adds none."""
    created_any = False
    for n, walker in enumerate(walkers):
        for days_back in range(DEMO_DAYS):
            if (days_back + n) % 5 == 4:
                continue  # everyone skips a day now and then
            day = today - timedelta(days=days_back)
            km = Decimal(4 + (days_back * 7 + n * 3) % 9) + Decimal("0.4")
            data = activities.ActivityInput(km * 1000, day, "walk" if n != 1 else "run")
            client_id = uuid.uuid5(uuid.NAMESPACE_URL, f"milequest-demo:{walker.email}:{day}")
            _, created = activities.log_activity(walker, client_id, data, today=day)
            created_any |= created
    return created_any


def _walker(email: str, display_name: str) -> tuple[User, bool]:
    user = accounts.find_by_email(email)
    if user is not None:
        return user, False
    user = User(
        email=email,
        display_name=display_name,
        password_hash=passwords.hash_password(DEMO_PASSWORD),
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user, True
