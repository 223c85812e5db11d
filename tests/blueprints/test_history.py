"""History on the walker's pages: marked in the list and the CSV, editable with its old date."""

import csv
import io
from datetime import UTC, datetime, timedelta

from tests import gps_builders as files
from tests.factories import make_user
from tests.helpers import sign_in_as
from tests.services.test_imports import activities_of, run

LONG_AGO = datetime.now(UTC).replace(microsecond=0) - timedelta(days=500)
RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


def test_the_list_marks_history_and_only_history(app, client):
    walker = make_user()
    run(walker, ("old.gpx", files.gpx(start=LONG_AGO)), ("new.gpx", files.gpx(start=RECENT)))
    sign_in_as(client, walker)

    page = client.get("/activities/").get_data(as_text=True)

    items = page.split('<li class="activity-item">')[1:]
    marked = ["history: not counted for journeys" in item for item in items]
    assert marked == [False, True]  # newest first: the recent walk, then the old one
    export = client.get("/activities/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [r["counts_for_journeys"] for r in rows] == ["false", "true"]  # oldest first


def test_the_edit_form_lets_history_keep_its_date(app, client):
    walker = make_user()
    run(walker, ("old.gpx", files.gpx(start=LONG_AGO)))
    [walk] = activities_of(walker)
    sign_in_as(client, walker)

    page = client.get(f"/activities/{walk.id}/edit").get_data(as_text=True)

    assert 'min="1990-01-01"' in page
