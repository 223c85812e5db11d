"""The team row lock: changes that check a team's rules, then write, serialize on it."""

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Team


def lock_team(team: Team) -> Team:
    """Hold the team's row until the transaction ends, and reload it.

    Reloading matters: the transaction we waited for may have archived the team a moment ago.
    """
    return db.session.execute(
        select(Team)
        .where(Team.id == team.id)
        .with_for_update(key_share=True)  # not KEY: inserts referring to the team go on
        .execution_options(populate_existing=True)
    ).scalar_one()
