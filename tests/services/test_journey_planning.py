"""What a captain weighs before starting a journey: which teams can start one."""

from milequest.services.journeying import journey_planning
from milequest.services.teamwork import teams
from tests.factories import add_member, make_journey, make_team, make_user


def test_captained_teams_split_into_free_and_on_a_journey():
    captain = make_user()
    free = make_team(captain, name="A free team")
    busy = make_team(captain, name="B busy team")
    make_journey(busy)
    archived = make_team(captain, name="C archived team")
    teams.archive_team(archived, captain)
    add_member(make_team(name="D someone else's team"), captain)  # a member, not a captain

    assert journey_planning.captained_teams(captain) == ([free], [busy])
