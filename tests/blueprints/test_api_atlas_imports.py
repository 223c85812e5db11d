"""The API's routes, places and imports: the same services and visibility as the pages."""

import io

from milequest.services.atlas import catalog
from tests import gps_builders as files
from tests.api_helpers import bearer, token_for
from tests.factories import SHORT_WALK, make_draft, make_route, make_user


def test_the_catalog_lists_famous_routes_with_their_milestones(client):
    entry = next(e for e in catalog.catalog_entries() if e["slug"] == "hadrians-wall-path")
    catalog.load_entry(entry)
    body = client.get("/api/v1/routes", headers=bearer(token_for(make_user(), "read"))).json
    (route,) = [r for r in body["items"] if r["name"] == "Hadrian's Wall Path"]
    names = [w["name"] for w in route["waypoints"]]
    assert names == [w["name"] for w in entry["waypoints"]]
    assert "Bowness-on-Solway" in names


def test_a_routes_line_is_geojson_for_who_may_see_it_and_404_for_others(client):
    owner = make_user()
    route = make_route(owner, SHORT_WALK)
    draft = make_draft(owner, SHORT_WALK)
    mine = client.get(f"/api/v1/routes/{route.id}/geometry", headers=bearer(token_for(owner)))
    assert mine.status_code == 200 and mine.mimetype == "application/geo+json"
    assert mine.json["geometry"]["type"] == "LineString"
    assert mine.json["geometry"]["coordinates"][0] == [-3.0, 55.0]  # [lon, lat]
    stranger = bearer(token_for(make_user()))
    assert client.get(f"/api/v1/routes/{draft.id}/geometry", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/routes/{draft.id}", headers=stranger).status_code == 404


def test_place_search_finds_the_gazetteers_places(client, places):
    found = client.get(
        "/api/v1/places?q=Inverness&fields=items(name,label,lat)",
        headers=bearer(token_for(make_user(), "read")),
    ).json["items"]
    assert found[0]["name"] == "Inverness" and "United Kingdom" in found[0]["label"]
    assert set(found[0]) == {"name", "label", "lat"} and 57 < found[0]["lat"] < 58


def test_an_upload_answers_where_to_poll_and_the_poll_shows_each_file(client):
    walker = make_user()
    headers = bearer(token_for(walker))
    upload = client.post(
        "/api/v1/imports",
        data={"files": [(io.BytesIO(files.gpx()), "walk.gpx"), (io.BytesIO(b"<"), "bad.gpx")]},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 202
    polled = client.get(upload.headers["Location"], headers=headers).json
    assert polled["progress"]["files"] == 2
    assert sorted(f["filename"] for f in polled["files"]) == ["bad.gpx", "walk.gpx"]
    other = client.get(upload.headers["Location"], headers=bearer(token_for(make_user())))
    assert other.status_code == 404


def test_an_upload_without_files_is_a_422_in_the_pages_words(client):
    refused = client.post(
        "/api/v1/imports",
        data={},
        headers=bearer(token_for(make_user())),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert (
        refused.json["errors"][0]["detail"] == "Choose at least one .gpx, .tcx, .fit or .zip file."
    )
