"""Attaching photos and moderating them: checked whole, stored privately, decided once."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.lib import photo_classifier
from milequest.lib.photo_classifier import Verdict
from milequest.lib.photo_storage import storage
from milequest.models import BlockedPhotoHash, Photo, TeamEvent
from milequest.services.gallery import photos
from tests import photo_samples as samples
from tests.factories import add_member, add_photo, log, make_journey, make_team, team_walk


def stored_files(app) -> list[str]:
    from pathlib import Path

    root = Path(app.config["PHOTO_STORAGE_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def photo_events(team_id: int) -> list[TeamEvent]:
    return list(
        db.session.scalars(
            select(TeamEvent).where(
                TeamEvent.team_id == team_id, TeamEvent.kind == "photo_approved"
            )
        )
    )


def test_attached_photo_is_stored_privately_as_pending(app):
    _, _, activity = team_walk()

    (photo,) = photos.attach_photos(activity, [samples.phone_photo()])

    assert photo.status == "pending" and photo.content_type == "image/jpeg"
    assert stored_files(app) == [f"originals/{photo.token}"]
    assert len(photo.token) == 32


@pytest.mark.parametrize(("upload", "message"), samples.REFUSED, ids=samples.REFUSED_IDS)
def test_bad_upload_is_refused_whole_and_nothing_is_stored(app, upload, message):
    _, _, activity = team_walk()

    with pytest.raises(photos.PhotoInvalid, match=message):
        photos.attach_photos(activity, [samples.phone_photo(), upload()])

    assert stored_files(app) == []
    assert db.session.scalar(select(Photo).where(Photo.activity_id == activity.id)) is None


def test_a_photo_stored_in_a_savepoint_rolled_back_leaves_no_file(app):
    _, _, activity = team_walk()
    (kept,) = photos.attach_photos(activity, [samples.phone_photo(seed=1)])

    savepoint = db.session.begin_nested()
    photos.attach_photos(activity, [samples.phone_photo(seed=2)])
    savepoint.rollback()

    assert stored_files(app) == [f"originals/{kept.token}"]


def test_an_activity_takes_at_most_four_photos(app):
    _, _, activity = team_walk()
    photos.attach_photos(activity, [samples.phone_photo(seed=n) for n in range(3)])

    with pytest.raises(photos.PhotoInvalid, match="at most 4 photos"):
        photos.attach_photos(activity, [samples.phone_photo(seed=8), samples.phone_photo(seed=9)])

    assert photos.count_photos(activity) == 3


def test_clean_photo_is_approved_and_announced_to_each_team_it_counts_for(app):
    team, walker, _ = team_walk()
    second_team = make_team()
    make_journey(second_team)
    add_member(second_team, walker)
    lonely_team = make_team()  # no journey: the walk counts for nothing there
    add_member(lonely_team, walker)
    activity = log(walker, 2)
    photo = add_photo(activity)

    assert photos.moderate_photo(photo.id) == "approved"

    assert photo.moderated_at is not None and photo.phash is not None
    assert photo.nudity_score is not None and photo.nudity_score < 0.35
    assert stored_files(app) == sorted(
        [f"display/{photo.token}.jpg", f"originals/{photo.token}", f"thumb/{photo.token}.jpg"]
    )
    for t in (team, second_team):
        (event,) = photo_events(t.id)
        assert event.data["photo_id"] == photo.id and event.actor_id == walker.id
    assert photo_events(lonely_team.id) == []


def test_moderating_again_changes_nothing(app):
    team, _, activity = team_walk()
    photo = add_photo(activity)
    photos.moderate_photo(photo.id)

    assert photos.moderate_photo(photo.id) is None
    assert photos.start_attempt(photo.id) is False
    assert len(photo_events(team.id)) == 1


def test_the_same_picture_twice_on_an_activity_is_rejected_as_a_duplicate(app):
    _, _, activity = team_walk()
    first = add_photo(activity, samples.phone_photo(seed=3))
    photos.moderate_photo(first.id)
    again = add_photo(activity, samples.phone_photo(seed=3, quality=60))  # re-saved copy

    assert photos.moderate_photo(again.id) == "rejected"
    assert "already on this activity" in again.reason


def test_a_picture_on_the_block_list_is_rejected(app):
    _, _, activity = team_walk()
    photo = add_photo(activity, samples.phone_photo(seed=4))
    probe = add_photo(log(activity.user, 1), samples.phone_photo(seed=4))
    photos.moderate_photo(probe.id)
    db.session.add(BlockedPhotoHash(phash=probe.phash, note="test"))

    assert photos.moderate_photo(photo.id) == "rejected"
    assert photo.reason == "This image is not allowed here."


def test_an_original_that_turns_out_broken_is_rejected_not_retried(app):
    _, _, activity = team_walk()
    photo = add_photo(activity)
    storage().put(photo.original_key, samples.truncated_jpeg(), "image/jpeg")

    assert photos.moderate_photo(photo.id) == "rejected"
    assert "damaged" in photo.reason


@pytest.mark.parametrize(
    ("score", "status"), [(0.0, "approved"), (0.34, "approved"), (0.5, "held"), (0.9, "rejected")]
)
def test_thresholds_decide(score, status):
    assert photo_classifier.decide(Verdict(score, ()), hold_at=0.35, reject_at=0.8) == status


def test_nudenet_runs_offline_on_a_cleaned_image():
    from milequest.lib import image_cleaning

    display = image_cleaning.clean(samples.phone_photo()).display

    verdict = photo_classifier.classifier().classify(display)

    assert verdict.score < 0.35 and verdict.labels == ()


def test_sweep_requeues_photos_pending_for_ten_minutes_then_holds_repeated_failures(app):
    from milequest.models.base import utcnow

    _, _, activity = team_walk()
    fresh, stuck, failing = (add_photo(activity, samples.phone_photo(seed=n)) for n in (5, 6, 7))
    stuck.queued_at = failing.queued_at = utcnow() - timedelta(minutes=11)
    failing.attempts = photos.MAX_ATTEMPTS
    db.session.flush()

    assert set(photos.stuck_photo_ids()) == {stuck.id, failing.id}
    assert photos.requeue_stuck(stuck.id) is True
    assert photos.requeue_stuck(failing.id) is False

    assert stuck.status == "pending" and stuck.queued_at > utcnow() - timedelta(minutes=1)
    assert failing.status == "held" and "failed" in failing.reason
    assert fresh.status == "pending" and photos.stuck_photo_ids() == []


def test_deleting_an_activity_removes_its_photos_and_files_after_commit(app):
    from milequest.services.walks import activities

    _, _, activity = team_walk()
    photo = add_photo(activity, status="approved")
    photo_id = photo.id
    db.session.commit()

    activities.delete_activity(activity)
    db.session.commit()

    assert db.session.get(Photo, photo_id) is None
    assert stored_files(app) == []
