"""Notifications: one per walker and cause, the walker's choices, quiet hours, digests, nudges."""

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Membership, Notification, OutboundEmail, TeamEvent
from milequest.models.notification import Channel, NotificationKind
from milequest.services.core import emails, team_events
from milequest.services.notifications import (
    delivery,
    digests,
    inbox,
    nudges,
    preferences,
    reviews,
    team_news,
)
from milequest.services.walks import activities
from tests.factories import add_member, add_photo, log, make_journey, make_team, make_user

Kind = NotificationKind


def notifications_of(user, kind: Kind | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def event_id(team, kind: str) -> int:
    return db.session.scalar(
        select(TeamEvent.id).where(TeamEvent.team_id == team.id, TeamEvent.kind == kind)
    )


def team_past_a_milestone():
    """A captain and two members whose team has just passed its first milestone (about 5.5 km)."""
    team = make_team()
    make_journey(team)
    first, second = add_member(team).user, add_member(team).user
    log(first, 6)
    return team, [team.created_by, first, second]


def no_quiet_hours(user) -> None:
    current = preferences.choices_of(user.id)
    preferences.save(user.id, current.wants, None, None, current.nudge_after_days)


def test_every_event_that_queues_notifications_has_its_kind():
    assert set(team_news.KINDS) == set(team_events.NOTIFYING_KINDS)


def test_a_milestone_notifies_every_member_once_however_often_it_runs():
    team, walkers = team_past_a_milestone()
    milestone = event_id(team, "milestone_reached")

    assert team_news.notify_event(milestone) == 3
    assert team_news.notify_event(milestone) == 0  # a retry, a sweep: nothing new

    for walker in walkers:
        [note] = notifications_of(walker)
        assert note.kind == Kind.MILESTONE and note.cause == f"event:{milestone}"
        assert note.title == f"{team.name} reached Point 2"
        assert note.link == f"/teams/{team.id}"
        assert note.email_due_at is not None and note.in_app


def test_a_finished_journey_notifies_every_member():
    team, walkers = team_past_a_milestone()
    log(walkers[1], 6)  # past the end of the 11 km route

    assert team_news.notify_event(event_id(team, "journey_completed")) == 3
    assert [n.kind for n in notifications_of(walkers[2])] == [Kind.JOURNEY_COMPLETED]


def test_a_new_member_is_news_for_the_captains_only_in_the_app_by_default():
    team = make_team()
    deputy = add_member(team, role="captain").user
    newcomer = add_member(team).user
    joined = db.session.scalar(
        select(TeamEvent.id).where(
            TeamEvent.kind == "member_joined", TeamEvent.subject_id == newcomer.id
        )
    )

    assert team_news.notify_event(joined) == 2  # the captain and the deputy

    [note] = notifications_of(team.created_by, Kind.MEMBER_JOINED)
    assert note.title == f"{newcomer.display_name} joined {team.name}"
    assert note.link == f"/teams/{team.id}/members/"
    assert note.email_due_at is None  # email is off for this kind unless chosen
    assert notifications_of(newcomer) == []
    assert len(notifications_of(deputy, Kind.MEMBER_JOINED)) == 1


@pytest.mark.committing
def test_racing_workers_make_one_notification_per_walker(app):
    team, walkers = team_past_a_milestone()
    milestone = event_id(team, "milestone_reached")
    db.session.commit()
    barrier = threading.Barrier(4)

    def notify() -> None:
        with app.app_context(), app.test_request_context():
            barrier.wait(timeout=10)
            team_news.notify_event(milestone)
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=notify) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    db.session.rollback()
    counts = db.session.execute(
        select(Notification.user_id, func.count()).group_by(Notification.user_id)
    ).all()
    assert sorted(counts) == sorted((w.id, 1) for w in walkers)


def test_a_walker_who_wants_nothing_of_a_kind_gets_no_notification():
    team, walkers = team_past_a_milestone()
    quiet = walkers[2]
    wants = preferences.choices_of(quiet.id).wants
    wants.update({(Kind.MILESTONE, c): False for c in Channel})
    preferences.save(quiet.id, wants, None, None, 3)

    team_news.notify_event(event_id(team, "milestone_reached"))

    assert notifications_of(quiet) == []
    assert len(notifications_of(walkers[1])) == 1


def test_email_only_goes_out_when_the_walker_still_wants_it():
    team, walkers = team_past_a_milestone()
    walker = walkers[1]
    no_quiet_hours(walker)
    team_news.notify_event(event_id(team, "milestone_reached"))
    [note] = notifications_of(walker)
    preferences.turn_off(walker.id, Kind.MILESTONE, Channel.EMAIL)  # before the worker ran

    assert delivery.deliver(note.id) is False
    assert note.email_id is None and note.email_due_at is None
    assert preferences.choices_of(walker.id).wanted(Kind.MILESTONE, Channel.IN_APP)


def test_delivery_hands_the_email_to_the_outbox_once_with_one_click_unsubscribe():
    team, walkers = team_past_a_milestone()
    walker = walkers[1]
    no_quiet_hours(walker)
    team_news.notify_event(event_id(team, "milestone_reached"))
    [note] = notifications_of(walker)

    assert delivery.deliver(note.id) is True
    assert delivery.deliver(note.id) is False

    [email] = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.to_address == walker.email)
    )
    assert note.email_id == email.id
    assert email.subject == note.title
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.headers["List-Unsubscribe"].startswith("<http://")
    assert "/notifications/unsubscribe/" in email.headers["List-Unsubscribe"]
    assert f"/teams/{team.id}" in email.body_text


def test_a_rerun_task_queues_again_what_a_kill_after_its_commit_lost(app, tmp_path, monkeypatch):
    """A worker killed between a commit and the queueing after it is re-run (acks late); the
    re-run queues the follow-up again while it is still not done, instead of leaving it to
    the sweeps (found by tests/faults/test_worker_kills.py)."""
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    queued = []
    monkeypatch.setattr(delivery, "enqueue", lambda n: queued.append(("notification", n)))
    monkeypatch.setattr(emails, "enqueue_delivery", lambda e: queued.append(("email", e)))
    team, walkers = team_past_a_milestone()
    no_quiet_hours(walkers[1])
    milestone = event_id(team, "milestone_reached")
    team_news.notify_event(milestone)
    db.session.commit()
    [note] = notifications_of(walkers[1])
    assert ("notification", note.id) in queued

    queued.clear()  # the worker died before these were sent: its task runs again
    assert team_news.notify_event(milestone) == 0
    db.session.commit()
    assert ("notification", note.id) in queued

    assert delivery.deliver(note.id) is True
    db.session.commit()
    queued.clear()  # lost again, after the hand-over's commit
    assert delivery.deliver(note.id) is False
    db.session.commit()
    assert queued == [("email", note.email_id)]

    queued.clear()
    emails.deliver_email(note.email_id)  # sent: nothing more to queue, however often re-run
    team_news.notify_event(milestone)
    delivery.deliver(note.id)
    db.session.commit()
    assert ("notification", note.id) not in queued and ("email", note.email_id) not in queued


@pytest.mark.parametrize(
    ("zone", "made_utc", "due_utc"),
    [
        # 23:30 in Auckland (UTC+13 in November): waits for 07:00 local, 18:00 UTC.
        (
            "Pacific/Auckland",
            datetime(2026, 11, 30, 10, 30, tzinfo=UTC),
            datetime(2026, 11, 30, 18, 0, tzinfo=UTC),
        ),
        # 23:30 in Honolulu (UTC-10): waits for 07:00 local, 17:00 UTC the next day.
        (
            "Pacific/Honolulu",
            datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
            datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        ),
        # 03:00 in London: the same night's 07:00.
        (
            "Europe/London",
            datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
            datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
        ),
        # 12:00 in Auckland: not quiet, goes now.
        (
            "Pacific/Auckland",
            datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
        ),
    ],
)
def test_quiet_hours_hold_email_until_the_walkers_morning(zone, made_utc, due_utc):
    walker = make_user(timezone=zone)
    draft = inbox.Draft(Kind.MILESTONE, "test:quiet", "A milestone", "/")

    note_id = inbox.create(walker, draft, now=made_utc)

    note = db.session.get(Notification, note_id)
    assert note.email_due_at == due_utc
    if due_utc > made_utc:
        assert delivery.deliver(note_id, now=made_utc) is False  # still quiet
        assert note_id not in delivery.due_ids(now=made_utc)
    assert note_id in delivery.due_ids(now=due_utc)
    assert delivery.deliver(note_id, now=due_utc) is True


def test_quiet_hours_are_the_walkers_own():
    walker = make_user(timezone="Europe/Paris")
    wants = preferences.choices_of(walker.id).wants
    preferences.save(walker.id, wants, time(13, 0), time(14, 30), 3)
    made = datetime(2026, 12, 1, 12, 15, tzinfo=UTC)  # 13:15 in Paris

    note_id = inbox.create(walker, inbox.Draft(Kind.MILESTONE, "t", "t", "/"), now=made)

    assert db.session.get(Notification, note_id).email_due_at == datetime(
        2026, 12, 1, 13, 30, tzinfo=UTC
    )


def test_an_unverified_address_gets_no_email_but_the_app_shows_it():
    walker = make_user(verified=False)

    note_id = inbox.create(walker, inbox.Draft(Kind.MILESTONE, "t", "Hello", "/"))

    assert db.session.get(Notification, note_id).email_due_at is None
    assert inbox.unread_count(walker.id) == 1


def test_unread_count_and_marking_read():
    walker, other = make_user(), make_user()
    first = inbox.create(walker, inbox.Draft(Kind.MILESTONE, "a", "A", "/"))
    inbox.create(walker, inbox.Draft(Kind.MILESTONE, "b", "B", "/"))

    assert inbox.unread_count(walker.id) == 2
    assert inbox.mark_read(other.id, first) is None  # not theirs
    inbox.mark_read(walker.id, first)
    assert inbox.unread_count(walker.id) == 1
    inbox.mark_all_read(walker.id)
    assert inbox.unread_count(walker.id) == 0


# Monday 30 November 2026. In Auckland (UTC+13) 09:00 Monday is 20:00 UTC on Sunday the 29th;
# in London 09:00 is 09:00 UTC; in Honolulu (UTC-10) it is 19:00 UTC on Monday.
MORNINGS = {
    "Pacific/Auckland": datetime(2026, 11, 29, 20, 0, tzinfo=UTC),
    "Europe/London": datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    "Pacific/Honolulu": datetime(2026, 11, 30, 19, 0, tzinfo=UTC),
}


def test_the_weekly_digest_arrives_in_each_walkers_monday_morning():
    team = make_team(make_user(timezone="Europe/London"))
    make_journey(team)
    walkers = {"Europe/London": team.created_by}
    for zone in ("Pacific/Auckland", "Pacific/Honolulu"):
        walkers[zone] = add_member(team, make_user(timezone=zone)).user
    memberships = {zone: membership_id(walker, team) for zone, walker in walkers.items()}
    sweeps = sorted(set(MORNINGS.values()) | {datetime(2026, 11, 30, 2, 0, tzinfo=UTC)})
    got = {zone: [] for zone in MORNINGS}
    for moment in [m + timedelta(hours=h) for m in sweeps for h in (-1, 0, 1)]:
        for member_id in digests.due_membership_ids(moment):
            zone = next(z for z, m in memberships.items() if m == member_id)
            if digests.send_digest(member_id, moment) is not None:
                got[zone].append(moment)

    for zone, morning in MORNINGS.items():
        [sent] = got[zone]
        assert morning - timedelta(hours=1) <= sent <= morning  # 08:00-09:00 local, once
        [note] = notifications_of(walkers[zone], Kind.WEEKLY_DIGEST)
        assert note.cause == f"digest:{team.id}:2026-W49"


def test_a_digest_missed_on_monday_morning_is_made_until_tuesday_ends():
    walker = make_user(timezone="Europe/London")
    team = make_team(walker)
    member = membership_id(walker, team)
    sunday_night = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    monday_early = datetime(2026, 11, 30, 7, 59, tzinfo=UTC)
    tuesday_late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    wednesday = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)

    assert member not in digests.due_membership_ids(sunday_night)
    assert member not in digests.due_membership_ids(monday_early)
    assert member not in digests.due_membership_ids(wednesday)
    assert member in digests.due_membership_ids(tuesday_late)  # beat was down all Monday
    assert digests.send_digest(member, tuesday_late) is not None
    assert member not in digests.due_membership_ids(tuesday_late)
    [note] = notifications_of(walker, Kind.WEEKLY_DIGEST)
    assert note.cause == f"digest:{team.id}:2026-W49"
    assert "23 Nov to 29 Nov" in note.body


def membership_id(user, team) -> int:
    return db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.team_id == team.id)
    )


def test_the_digest_tells_the_teams_week_top_walkers_next_milestone_and_your_line():
    captain = make_user(timezone="UTC")
    team = make_team(captain)
    make_journey(team)
    walker = add_member(team, make_user(timezone="UTC")).user
    log(walker, 2.5)
    today = activities.today_for(captain)
    next_monday = today + timedelta(days=7 - today.weekday())
    monday_morning = datetime.combine(next_monday, time(9, 0), UTC)

    note_id = digests.send_digest(membership_id(captain, team), monday_morning)

    body = db.session.get(Notification, note_id).body
    week = f"{next_monday - timedelta(days=7):%-d %b} to {next_monday - timedelta(days=1):%-d %b}"
    assert f"{week}: the team walked 2.5 km" in body
    assert f"Top walkers: {walker.display_name} 2.5 km." in body
    assert "You had a rest week" in body
    assert "Next milestone: Point 2, 3" in body
    assert digests.send_digest(membership_id(captain, team), monday_morning) is None  # once


@pytest.mark.parametrize(("goal_km", "verdict"), [(5, "2.5 km short"), (2, "reached")])
def test_the_digest_tells_the_walker_their_goal_and_their_streak(goal_km, verdict):
    walker = make_user(timezone="UTC", weekly_goal_m=goal_km * 1000)
    team = make_team(walker)
    make_journey(team)
    today = activities.today_for(walker)
    this_monday = today - timedelta(days=today.weekday())
    log(walker, 1.5, day=this_monday - timedelta(days=2))
    log(walker, 1, day=this_monday - timedelta(days=1))

    note_id = digests.send_digest(
        membership_id(walker, team), datetime.combine(this_monday, time(9, 0), UTC)
    )

    body = db.session.get(Notification, note_id).body
    assert f"Your week: 2.5 km of your {goal_km} km goal, {verdict}." in body
    assert "Your streak: 2 days.\n" in body + "\n"  # Monday may be its rest day: not at risk


def test_the_digest_says_when_a_streak_needs_a_walk_today():
    walker = make_user(timezone="UTC")
    team = make_team(walker)
    make_journey(team)
    today = activities.today_for(walker)
    this_monday = today - timedelta(days=today.weekday())
    # A streak with a rest day 5 days ago: a second one this week would end it.
    for days_before in (1, 2, 3, 4, 6, 7):
        log(walker, 1, day=this_monday - timedelta(days=days_before))

    note_id = digests.send_digest(
        membership_id(walker, team), datetime.combine(this_monday, time(9, 0), UTC)
    )

    body = db.session.get(Notification, note_id).body
    assert "Your streak: 6 days. Walk today to keep it." in body
    assert "Your week:" not in body  # no goal set


def test_a_nudge_comes_after_three_quiet_days_and_not_again_that_week():
    team = make_team()
    walker = add_member(team, make_user(timezone="Pacific/Auckland")).user
    log(walker, 3)
    today = activities.today_for(walker)

    def evening(days_later: int) -> datetime:
        local = datetime.combine(today + timedelta(days=days_later), time(18, 0))
        return local.replace(tzinfo=ZoneInfo("Pacific/Auckland")).astimezone(UTC)

    assert walker.id in nudges.due_walker_ids(evening(2))
    assert nudges.nudge(walker.id, evening(2)) is None  # two days: not yet
    first = nudges.nudge(walker.id, evening(3))
    assert first is not None
    assert walker.id not in nudges.due_walker_ids(evening(4))
    assert nudges.nudge(walker.id, evening(4)) is None  # one a week
    assert nudges.nudge(walker.id, evening(9)) is None
    assert nudges.nudge(walker.id, evening(10)) is not None
    assert walker.id not in nudges.due_walker_ids(evening(10) - timedelta(hours=5))  # 13:00


def test_a_walker_chooses_the_nudges_delay_or_turns_it_off():
    team = make_team()
    patient, opted_out = (add_member(team).user for _ in range(2))
    choices = preferences.choices_of(patient.id)
    preferences.save(patient.id, choices.wants, None, None, 5)
    wants = dict(choices.wants)
    wants.update({(Kind.WALK_NUDGE, c): False for c in Channel})
    preferences.save(opted_out.id, wants, None, None, 3)
    in_four_days = datetime.now(UTC) + timedelta(days=4)

    assert nudges.nudge(patient.id, in_four_days) is None
    assert nudges.nudge(patient.id, in_four_days + timedelta(days=1)) is not None
    assert nudges.nudge(opted_out.id, in_four_days) is None
    assert notifications_of(opted_out) == []


def test_captains_hear_of_walks_and_photos_waiting_once_a_day():
    team = make_team()
    make_journey(team)
    walker = add_member(team).user
    log(walker, 10, duration_s=3600)  # 10 km/h is fast for a walk: held for a captain
    add_photo(log(walker, 3), status="held")
    now = datetime.now(UTC)

    assert reviews.notify_captains(now) == 1
    assert reviews.notify_captains(now) == 0

    [note] = notifications_of(team.created_by, Kind.REVIEW_WAITING)
    assert note.title == f"{team.name}: 1 walk and 1 photo waiting for your review"
    assert note.link == f"/teams/{team.id}/reviews/"
    assert notifications_of(walker) == []
