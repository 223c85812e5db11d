"""Photos through the browser's forms, and who may fetch a photo's image URL."""

import io
import uuid
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from milequest.extensions import db
from milequest.models import Activity, Photo, User
from milequest.services.gallery import photos
from tests import photo_samples as samples
from tests.factories import add_member, add_photo, make_user, team_walk
from tests.helpers import csrf_token, post_form, sign_in_as


def log_form(**fields) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "distance": "4",
        "unit": "km",
        "activity_date": date.today().isoformat(),
        "kind": "walk",
        **fields,
    }


def upload(*blobs: bytes, name: str = "walk.jpg") -> list:
    return [(io.BytesIO(blob), name) for blob in blobs]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_log_form_takes_photos_without_javascript(client):
    _, walker, _ = team_walk()
    sign_in_as(client, walker)
    page = client.get("/activities/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page

    response = post_form(client, "/activities/", log_form(photos=upload(samples.phone_photo())))

    assert response.status_code == 303
    (photo,) = db.session.scalars(select(Photo).where(Photo.user_id == walker.id))
    assert photo.status == "pending" and photo.activity.distance_m == 4000


def test_logging_without_photos_still_works(client):
    _, walker, _ = team_walk()
    sign_in_as(client, walker)
    before = count(Activity)

    response = post_form(client, "/activities/", log_form())

    assert response.status_code == 303
    assert count(Activity) == before + 1 and count(Photo) == 0


@pytest.mark.parametrize(("blob", "message"), samples.REFUSED, ids=samples.REFUSED_IDS)
def test_a_bad_photo_is_refused_with_the_form_kept_and_nothing_stored(app, client, blob, message):
    _, walker, _ = team_walk()
    sign_in_as(client, walker)
    before = count(Activity)

    response = post_form(client, "/activities/", log_form(note="Loch walk", photos=upload(blob())))

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "Loch walk" in body
    assert count(Activity) == before and count(Photo) == 0
    from pathlib import Path

    assert not [p for p in Path(app.config["PHOTO_STORAGE_DIR"]).rglob("*") if p.is_file()]


def test_photos_added_later_from_the_activity_page(client):
    _, walker, activity = team_walk()
    sign_in_as(client, walker)
    edit_page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert f"/activities/{activity.id}/photos" in edit_page

    response = post_form(
        client,
        f"/activities/{activity.id}/photos",
        {"photos": upload(samples.phone_photo(seed=1), samples.phone_photo(seed=2))},
    )

    assert response.status_code == 303
    page = client.get(f"/activities/{activity.id}/photos").get_data(as_text=True)
    assert page.count("Being checked") == 2


def test_a_fifth_photo_is_refused_on_the_activity_page(client):
    _, walker, activity = team_walk()
    photos.attach_photos(activity, [samples.phone_photo(seed=n) for n in range(4)])
    sign_in_as(client, walker)

    response = post_form(
        client, f"/activities/{activity.id}/photos", {"photos": upload(samples.phone_photo())}
    )

    assert response.status_code == 422
    assert "at most 4 photos" in response.get_data(as_text=True)


def test_someone_elses_activity_photos_are_not_found(client):
    _, _, activity = team_walk()
    sign_in_as(client, make_user())

    assert client.get(f"/activities/{activity.id}/photos").status_code == 404
    response = post_form(
        client, f"/activities/{activity.id}/photos", {"photos": upload(samples.phone_photo())}
    )
    assert response.status_code == 404 and count(Photo) == 0


def test_served_images_carry_no_exif_and_cache_privately_for_long(client):
    _, walker, activity = team_walk()
    photo = add_photo(activity, samples.phone_photo())
    photos.moderate_photo(photo.id)
    sign_in_as(client, walker)

    for size in ("display", "thumb"):
        response = client.get(f"/photos/{photo.id}/{size}.jpg")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert samples.exif_of(response.data)["exif"] == {}
        assert b"Exif" not in response.data
        assert "private" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
    assert client.get(f"/photos/{photo.id}/original.jpg").status_code == 404


def viewers(team, walker):
    captain = team.created_by
    teammate = add_member(team).user
    return {
        "uploader": walker,
        "captain": captain,
        "teammate": teammate,
        "stranger": make_user(),
        "operator": make_user(email="ops@example.com"),
    }


EXPECTED = {  # status -> viewer -> HTTP status of the thumbnail URL
    "approved": {
        "uploader": 200,
        "captain": 200,
        "teammate": 200,
        "stranger": 404,
        "operator": 200,
    },
    "held": {"uploader": 200, "captain": 200, "teammate": 404, "stranger": 404, "operator": 200},
    "rejected": {
        "uploader": 200,
        "captain": 404,
        "teammate": 404,
        "stranger": 404,
        "operator": 200,
    },
}


@pytest.mark.parametrize("status", sorted(EXPECTED))
def test_photo_url_authorization_matrix(app, client, monkeypatch, status):
    monkeypatch.setitem(app.config, "OPERATOR_EMAILS", ["OPS@example.com"])
    team, walker, activity = team_walk()
    photo = add_photo(activity, status=status)
    people = viewers(team, walker)

    for who, expected in EXPECTED[status].items():
        sign_in_as(client, people[who])
        response = client.get(f"/photos/{photo.id}/thumb.jpg")
        assert response.status_code == expected, f"{status} photo as {who}"


def test_a_pending_photo_and_an_anonymous_visitor_see_nothing(client):
    _team, walker, activity = team_walk()
    pending = add_photo(activity)

    response = client.get(f"/photos/{pending.id}/thumb.jpg")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    sign_in_as(client, walker)
    assert client.get(f"/photos/{pending.id}/thumb.jpg").status_code == 404


def test_an_approved_photo_shows_in_the_team_feed(client):
    team, _walker, activity = team_walk()
    photo = add_photo(activity)
    photos.moderate_photo(photo.id)
    sign_in_as(client, add_member(team).user)

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "shared a photo" in page
    assert f'src="/photos/{photo.id}/thumb.jpg"' in page


def test_a_deleted_photo_leaves_words_not_a_broken_image_in_the_feed(client):
    team, walker, activity = team_walk()
    photo = add_photo(activity)
    photos.moderate_photo(photo.id)
    sign_in_as(client, walker)

    post_form(client, f"/photos/{photo.id}/delete", {})
    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "shared a photo, since removed" in page
    assert f"/photos/{photo.id}/" not in page


def test_captain_approves_a_held_photo_into_the_feed(client):
    team, _walker, activity = team_walk()
    photo = add_photo(activity, status="held")
    sign_in_as(client, team.created_by)
    queue = client.get(f"/teams/{team.id}/photos/review").get_data(as_text=True)
    assert f'value="{photo.id}"' in queue

    response = client.post(
        f"/teams/{team.id}/photos/review",
        data={
            "csrf_token": csrf_token(client),
            "photo_id": str(photo.id),
            "decision": "approve",
        },
    )

    assert response.status_code == 303
    db.session.refresh(photo)
    assert photo.status == "approved" and photo.reviewed_by_id == team.created_by.id
    assert "shared a photo" in client.get(f"/teams/{team.id}").get_data(as_text=True)
    again = post_form(
        client, f"/teams/{team.id}/photos/review", {"photo_id": photo.id, "decision": "reject"}
    )
    assert again.status_code == 303
    db.session.refresh(photo)
    assert photo.status == "approved"  # decided already: the stale click changes nothing


def test_a_captain_cannot_review_another_teams_photo(client):
    _, _, activity = team_walk()
    photo = add_photo(activity, status="held")
    other_team, _, _ = team_walk()
    sign_in_as(client, other_team.created_by)

    assert f'value="{photo.id}"' not in client.get(
        f"/teams/{other_team.id}/photos/review"
    ).get_data(as_text=True)
    post_form(
        client,
        f"/teams/{other_team.id}/photos/review",
        {"photo_id": photo.id, "decision": "approve"},
    )
    db.session.refresh(photo)
    assert photo.status == "held"


def test_operators_review_every_team_and_can_block_an_image(app, client, monkeypatch):
    from milequest.models import BlockedPhotoHash

    monkeypatch.setitem(app.config, "OPERATOR_EMAILS", ["ops@example.com"])
    photo = add_photo(team_walk()[2], status="held")
    sign_in_as(client, make_user())
    assert client.get("/photos/review").status_code == 404
    sign_in_as(client, make_user(email="OPS@example.com", verified=False))
    assert client.get("/photos/review").status_code == 404  # an unconfirmed claim to the address
    db.session.execute(delete(User).where(User.email == "OPS@example.com"))
    sign_in_as(client, make_user(email="ops@example.com"))
    assert f'value="{photo.id}"' in client.get("/photos/review").get_data(as_text=True)

    post_form(client, "/photos/review", {"photo_id": photo.id, "decision": "block"})

    db.session.refresh(photo)
    assert photo.status == "rejected"
    assert db.session.get(BlockedPhotoHash, photo.phash) is not None


def test_uploader_sees_each_photos_status_and_can_delete_one(client):
    _, walker, activity = team_walk()
    kept = add_photo(activity, status="approved")
    held = add_photo(activity, status="held")
    sign_in_as(client, walker)

    page = client.get(f"/activities/{activity.id}/photos").get_data(as_text=True)
    assert "Shared with your teams" in page and "Waiting for a captain" in page

    response = post_form(client, f"/photos/{held.id}/delete", {})

    assert response.status_code == 303
    assert db.session.get(Photo, held.id) is None and db.session.get(Photo, kept.id)


def test_a_log_form_over_the_request_limit_is_refused_with_the_limits(app, client, monkeypatch):
    _, walker, _ = team_walk()
    sign_in_as(client, walker)
    before = count(Activity)
    form = log_form(photos=upload(bytes(2**20)))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2**20)

    response = post_form(client, "/activities/", form)

    assert response.status_code == 413
    assert "10 MB each" in response.get_data(as_text=True)
    assert count(Activity) == before and count(Photo) == 0


def test_photo_uploads_are_rate_limited_per_walker(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_UPLOADS", "2 per hour")
    _, walker, activity = team_walk()
    sign_in_as(client, walker)
    url = f"/activities/{activity.id}/photos"

    codes = [
        post_form(client, url, {"photos": upload(samples.phone_photo(seed=n))}).status_code
        for n in range(3)
    ]

    assert codes == [303, 303, 429]
    assert count(Photo) == 2
