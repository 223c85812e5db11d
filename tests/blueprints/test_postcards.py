"""Postcards on the team page (once), dismissing them without JavaScript, the gallery, the
live message, and the certificate of a completed journey."""

import io
import re

from PIL import Image

from milequest.extensions import db
from milequest.services.core import team_events
from milequest.services.journeying import postcards
from milequest.services.live import live_fragments
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import post_form, sign_in_as


def _milestone_passed():
    team = make_team()
    journey = make_journey(team)
    walker = add_member(team, make_user(display_name="Wanda Walker")).user
    log(walker, 6)
    (postcard,) = postcards.of_journey(journey)
    return team, journey, walker, postcard


def test_the_team_page_shows_a_new_postcard_once(client):
    team, _journey, _walker, postcard = _milestone_passed()
    sign_in_as(client, team.created_by)

    first = client.get(f"/teams/{team.id}").get_data(as_text=True)
    second = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert f'id="postcard-{postcard.id}"' in first
    assert "Wanda Walker took the team over the line." in first
    assert f'id="postcard-{postcard.id}"' not in second
    assert 'id="postcards"' in second  # where a live one would go


def test_dismissing_without_javascript_is_a_csrf_post_that_goes_back_to_the_team(client):
    team, _journey, walker, postcard = _milestone_passed()
    sign_in_as(client, walker)
    url = f"/teams/{team.id}/postcards/{postcard.id}/dismiss"

    assert client.post(url).status_code == 400  # no CSRF token
    response = post_form(client, url, {})
    again = post_form(client, url, {})

    assert response.status_code == 303 and response.location.endswith(f"/teams/{team.id}")
    assert again.status_code == 303
    assert f'id="postcard-{postcard.id}"' not in client.get(f"/teams/{team.id}").get_data(
        as_text=True
    )


def test_dismissing_with_htmx_removes_the_card(client):
    team, _journey, walker, postcard = _milestone_passed()
    sign_in_as(client, walker)

    response = post_form(client, f"/teams/{team.id}/postcards/{postcard.id}/dismiss", {}, htmx=True)

    assert response.status_code == 200 and response.get_data(as_text=True).strip() == ""


def test_outsiders_cannot_see_or_dismiss_a_teams_postcards(client):
    team, journey, _walker, postcard = _milestone_passed()
    sign_in_as(client, make_user())

    assert client.get(f"/teams/{team.id}/journeys/{journey.id}/postcards").status_code == 404
    response = post_form(client, f"/teams/{team.id}/postcards/{postcard.id}/dismiss", {})
    assert response.status_code == 404


def test_the_gallery_keeps_every_postcard_with_its_map(client):
    team, journey, walker, postcard = _milestone_passed()
    sign_in_as(client, walker)

    page = client.get(f"/teams/{team.id}/journeys/{journey.id}/postcards").get_data(as_text=True)

    assert "Point 2" in page and f'id="postcard-map-{postcard.id}"' in page
    assert "Dismiss" not in page


def test_the_feeds_milestone_line_links_to_its_postcard_in_the_gallery(client):
    team, journey, walker, postcard = _milestone_passed()
    sign_in_as(client, walker)
    team_page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    gallery = f"/teams/{team.id}/journeys/{journey.id}/postcards"
    link = f'href="{gallery}#postcard-event-{postcard.event_id}">See the postcard</a>'
    assert link in team_page
    page = client.get(gallery).get_data(as_text=True)
    assert f'id="postcard-event-{postcard.event_id}"' in page


def test_the_live_message_of_a_milestone_carries_its_postcard(app):
    team, _journey, _walker, postcard = _milestone_passed()
    event = team_events.recent(team.id, limit=50)
    (milestone,) = [e for e in event if e.kind == "milestone_reached"]

    with app.test_request_context():
        message = live_fragments.render_event_message(milestone, "mi")

    assert 'hx-swap-oob="afterbegin:#postcards"' in message
    assert f'id="postcard-{postcard.id}"' in message
    assert "3.7 mi" in message  # the team's 6 km, in the viewer's units
    assert "csrf_token" not in message  # the same for every viewer: htmx sends the header


def test_a_completed_journey_has_a_certificate_page_and_image(client):
    team = make_team(name="Fast Feet")
    journey = make_journey(team)
    walker = add_member(team).user
    log(walker, 12)  # past the end (~11 km)
    db.session.refresh(journey)
    assert journey.status == "completed"
    sign_in_as(client, walker)

    page = client.get(f"/teams/{team.id}/journeys/{journey.id}/certificate")
    image = client.get(f"/teams/{team.id}/journeys/{journey.id}/certificate.svg")

    assert page.status_code == 200 and "Fast Feet walked" in page.get_data(as_text=True)
    assert image.mimetype == "image/svg+xml"
    svg = image.get_data(as_text=True)
    assert "Fast Feet" in svg and re.search(r'class="route-svg__walked" points="[^"]+"', svg)
    assert len(postcards.of_journey(journey)) == 2  # Point 2, and the end
    picture = client.get(f"/teams/{team.id}/journeys/{journey.id}/certificate.png")
    assert picture.mimetype == "image/png"
    drawn = Image.open(io.BytesIO(picture.data)).convert("RGB")
    assert drawn.size == (1280, 800)
    colours = {colour for _count, colour in drawn.getcolors(maxcolors=1 << 20)}
    assert {
        (0xD6, 0xE6, 0xF2),
        (0x0F, 0x76, 0x6E),
        (0x1C, 0x2B, 0x29),
    } <= colours  # sea, walked, text
    title_band = drawn.crop((48, 160, 600, 210))  # "Fast Feet" at y 100 in the 640 drawing
    assert (0x1C, 0x2B, 0x29) in {c for _n, c in title_band.getcolors(maxcolors=1 << 20)}
    outsider = make_user()
    sign_in_as(client, outsider)
    assert client.get(f"/teams/{team.id}/journeys/{journey.id}/certificate.png").status_code == 404


def test_an_active_journey_has_no_certificate_yet(client):
    team = make_team()
    journey = make_journey(team)
    sign_in_as(client, team.created_by)

    assert client.get(f"/teams/{team.id}/journeys/{journey.id}/certificate").status_code == 404
    assert client.get(f"/teams/{team.id}/journeys/{journey.id}/certificate.svg").status_code == 404
