"""The route page on a phone: the SVG map without JavaScript, Leaflet within the CSP with it."""

import pytest

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import make_route, make_user

SCOTLAND = [(-3.1883, 55.9533), (-3.4370, 56.3950), (-4.2247, 57.4778)]


@pytest.mark.committing
def test_route_page_shows_the_svg_map_with_javascript_off(phone_without_js, live_url):
    user = make_user()
    route = make_route(user, SCOTLAND)
    db.session.commit()
    log_in(phone_without_js, live_url, user.email)
    for path in ("/routes", f"/routes/{route.id}", f"/routes/{route.id}/edit"):
        phone_without_js.goto(live_url + path)
        assert_fits_360(phone_without_js, path)
    phone_without_js.goto(f"{live_url}/routes/{route.id}")
    svg = phone_without_js.locator("svg.route-svg")
    assert svg.is_visible()
    assert svg.bounding_box()["width"] <= 360


@pytest.mark.committing
def test_leaflet_map_renders_without_csp_violations(phone, live_url):
    user = make_user()
    route = make_route(user, SCOTLAND)
    db.session.commit()
    messages = []
    phone.on("console", lambda m: messages.append(m.text))
    log_in(phone, live_url, user.email)
    phone.goto(f"{live_url}/routes/{route.id}")
    phone.wait_for_selector("#route-map-live.leaflet-container path.leaflet-interactive")
    assert not [m for m in messages if "Content Security Policy" in m]
