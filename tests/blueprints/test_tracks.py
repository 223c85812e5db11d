"""A walker's own imported track: drawn small on their activity page, for nobody else's eyes."""

import math
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from milequest.services.atlas import svg_maps
from milequest.services.gps_imports import imports
from tests import gps_builders as files
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import post_form, sign_in_as

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
TRACK_SVG = re.compile(r'<figure id="track-map".*?</figure>', re.S)


def imported(walker, gpx: bytes) -> Activity:
    """The activity that importing `gpx` gives `walker`, as the worker would import it."""
    batch_id = imports.accept_upload(walker, [("walk.gpx", gpx)])
    [import_id] = imports.queued_ids(batch_id)
    imports.run_import(import_id)
    return db.session.scalars(select(Activity).where(Activity.user_id == walker.id)).one()


def polyline_points(page: str) -> list[tuple[float, float]]:
    [figure] = TRACK_SVG.findall(page)
    [points] = re.findall(r'<polyline[^>]* points="([^"]+)"', figure)
    return [tuple(float(n) for n in pair.split(",")) for pair in points.split()]


def weaving(count: int) -> list[tuple[float, float]]:
    """`count` points heading north, weaving 120 m across every 40 points (10 m apart)."""
    return [(-3.2 + 0.001 * math.sin(n * math.pi / 20), 55.95 + 0.00001 * n) for n in range(count)]


def test_the_walker_sees_their_whole_track_from_its_start_to_its_end(app, client):
    walker = make_user()
    activity = imported(walker, files.gpx(start=START))
    sign_in_as(client, walker)

    page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)

    points = polyline_points(page)
    # North, then east: bottom left to top left (straight, so no points between), then right.
    inner = svg_maps.WIDTH - 2 * svg_maps.PAD  # the walk is taller than wide: it fills the height
    east, north = 7 * 0.004 * math.cos(math.radians(55.95875)), 7 * 0.0025  # degrees, as drawn
    assert points[:2] == [(svg_maps.PAD, svg_maps.PAD + inner), (svg_maps.PAD, svg_maps.PAD)]
    assert points[-1] == pytest.approx((svg_maps.PAD + inner * east / north, svg_maps.PAD), abs=0.1)
    [figure] = TRACK_SVG.findall(page)
    start = re.search(r'class="track-svg__start" cx="([\d.]+)" cy="([\d.]+)"', figure)
    end = re.search(
        r'class="track-svg__end"[^>]* transform="translate\(([\d.]+) ([\d.]+)\)', figure
    )
    assert tuple(map(float, start.groups())) == points[0]
    assert tuple(map(float, end.groups())) == points[-1]
    assert f"{files.geodesic_length_m(files.WALK) / 1000:.1f} km" in figure


def test_a_10000_point_track_draws_in_a_few_kilobytes(app, client):
    walker = make_user()
    activity = imported(walker, files.gpx(weaving(10_000), start=START, step_s=3, sport="running"))
    sign_in_as(client, walker)

    page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)

    assert db.session.scalar(func.ST_NPoints(activity.track)) == 10_000
    assert 100 < len(polyline_points(page)) <= svg_maps.VERTEX_BUDGET + 1
    assert len(TRACK_SVG.search(page).group().encode()) < 4_000


def test_a_refused_edit_still_shows_the_track(app, client):
    walker = make_user()
    activity = imported(walker, files.gpx(start=START))
    sign_in_as(client, walker)
    fields = {"distance": "0", "unit": "km", "activity_date": START.date().isoformat()}

    response = post_form(client, f"/activities/{activity.id}/edit", {**fields, "kind": "walk"})

    assert response.status_code == 422
    assert len(polyline_points(response.get_data(as_text=True))) == 3  # north, then east


def test_an_activity_without_a_track_shows_no_map(app, client):
    walker = make_user()
    activity = log(walker, 2)
    sign_in_as(client, walker)

    page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)

    assert "Edit activity" in page and "track-map" not in page


def test_a_strangers_track_is_not_there(app, client):
    activity = imported(make_user(), files.gpx(start=START))
    sign_in_as(client, make_user())

    response = client.get(f"/activities/{activity.id}/edit")

    assert response.status_code == 404
    assert "track-map" not in response.get_data(as_text=True)


def test_teammates_see_the_distance_but_never_the_track(app, client):
    team = make_team()
    journey = make_journey(team)
    walker = make_user()
    membership = add_member(team, walker)
    # Both began before the walk, so the walk counts for the journey and shows in the feed.
    journey.started_on = membership.joined_on = date.today() - timedelta(days=3)
    db.session.flush()
    imported(walker, files.gpx(start=START))
    sign_in_as(client, team.created_by)  # a captain: sees the most of anyone else

    pages = {
        path: client.get(path).get_data(as_text=True)
        for path in (
            f"/teams/{team.id}",
            f"/teams/{team.id}/updates?after=0",
            f"/teams/{team.id}/journeys/",
            f"/teams/{team.id}/leaderboard",
        )
    }

    logged = f"logged {files.geodesic_length_m(files.WALK) / 1000:.1f} km"
    assert logged in pages[f"/teams/{team.id}"]  # the walk is in the feed, in full
    assert logged in pages[f"/teams/{team.id}/updates?after=0"]
    for path, page in pages.items():
        assert "track-map" not in page and "track-svg" not in page, path
        assert "55.95" not in page and "55.9675" not in page, path  # the track's latitudes
