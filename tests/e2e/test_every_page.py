"""Every HTML page of the app, found in the URL map, fits a 360 px phone with JavaScript off.

A new GET route fails this test until the world below gives the values its URL needs or it is
listed as something other than a page (NOT_PAGES).
"""

from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app

from milequest.extensions import db
from milequest.models.notification import NotificationKind
from milequest.services.core import emails
from milequest.services.gps_imports import imports
from milequest.services.notifications import unsubscribe
from milequest.services.teamwork import team_invites
from milequest.services.walkers import account_tokens, data_exports
from tests import gps_builders as files
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import (
    add_member,
    add_photo,
    log,
    make_draft,
    make_journey,
    make_team,
    make_user,
)

NOT_PAGES = {  # files, feeds, fragments and sockets, not pages a walker reads
    "static",
    "metrics.scrape",  # Prometheus text for operators (a token or an allowed network)
    "photos.image",
    "activities.export",
    "activities.export_gpx",
    "data_exports.download",
    "pwa.manifest",
    "pwa.service_worker",
    "pwa.replay_token",
    "pwa.walker_pages",
    "pwa.synced",
    "health.healthz",
    "health.readyz",
    "live.stream",
    "live.updates",
    "teams.part",
    "teams.leaderboard",  # the fragment alone, for htmx
    "notifications.badge",  # the header's count alone, for htmx
    "postcards.certificate_image",
    "postcards.certificate_picture",
    "oidc_logins.callback",  # where an OpenID provider sends the browser back (tested apart)
}

REFUSING = {"accounts.verify": 400}  # pages whose right answer here is a refusal


API_PAGES = {"api.docs"}  # the API's human docs; its other GET routes answer JSON
# The API explorer is Swagger UI (third-party, JavaScript only); the docs page is ours.


def page_rules() -> list:
    rules = [
        r
        for r in current_app.url_map.iter_rules()
        if "GET" in r.methods and (not r.endpoint.startswith("api.") or r.endpoint in API_PAGES)
    ]
    return sorted((r for r in rules if r.endpoint not in NOT_PAGES), key=lambda r: r.rule)


def a_busy_world(app, monkeypatch):
    """A captain (also an operator) with a team on a journey, walks, photos, routes and mail."""
    captain = make_user(email="captain@example.com", display_name="Captain " + "W" * 52)
    monkeypatch.setitem(app.config, "OPERATOR_EMAILS", [captain.email])
    example_id = {"name": "example", "label": "Example ID", "issuer": "https://id.example.org"}
    # Never contacted: the pages only offer it ("Continue with", "Connect Example ID").
    monkeypatch.setitem(app.config, "OIDC_PROVIDERS", [{**example_id, "client_id": "milequest"}])
    team = make_team(captain, name="The " + "Very " * 8 + "Long Team Name")
    make_journey(team)
    walker = add_member(team).user
    activity = log(captain, 4.2, note="Round the loch " * 20)
    add_photo(activity, status="approved")
    add_photo(log(walker, 3), status="held")
    log(walker, 10, duration_s=3600)  # 10 km/h is fast for a walk: held for the captain
    draft = make_draft(captain, [(-3.0, 55.0), (-3.1, 55.1)], name="Draft " + "x" * 60)
    invite = team_invites.invite_by_email(team, captain, "friend@example.com")
    link = team_invites.rotate_share_link(team, captain)
    batch_id = imports.accept_upload(captain, [("walk.gpx", files.gpx()), ("bad.gpx", b"<")])
    export = data_exports.request_export(captain)
    finished = _a_finished_journey(captain)
    db.session.commit()
    for email_id in emails.unsent_email_ids(older_than=timedelta(0)):
        emails.deliver_email(email_id)
    mail = sorted(p.stem for p in Path(app.config["MAIL_DIR"]).glob("*.eml"))
    return (
        captain,
        {
            "team_id": team.id,
            "activity_id": activity.id,
            "route_id": draft.id,
            "batch_id": batch_id,
            "token": invite.code,
            "code": link.code,
            "name": mail[0],
            "export_id": export.id,
        },
        {
            "accounts.reset_form": {
                "token": account_tokens.make_token(captain, account_tokens.RESET)
            },
            "accounts.verify": {"token": "not-a-token"},
            "notifications.unsubscribe_form": {
                "token": unsubscribe.make_token(captain.id, NotificationKind.WEEKLY_DIGEST)
            },
            **{
                endpoint: {"team_id": finished.team_id, "journey_id": finished.id}
                for endpoint in ("postcards.gallery", "postcards.certificate")
            },
        },
    )


def _a_finished_journey(member):
    """Another team's completed journey, `member` among its walkers: postcards, a certificate."""
    finisher = make_user(display_name="Fiona Finisher")
    team = make_team(finisher, name="Finished " + "Long " * 8)
    journey = make_journey(team)
    add_member(team, member)
    log(finisher, 12)  # past the end of the 11 km route
    return journey


@pytest.mark.committing
def test_every_page_fits_a_phone_without_javascript(app, phone_without_js, live_url, monkeypatch):
    captain, values, per_endpoint = a_busy_world(app, monkeypatch)
    page = phone_without_js
    log_in(page, live_url, captain.email)
    checked, problems = [], []
    for rule in page_rules():
        needed = {**values, **per_endpoint.get(rule.endpoint, {})}
        missing = rule.arguments - needed.keys()
        assert not missing, f"{rule.rule}: give the world {missing}, or list it in NOT_PAGES"
        url = rule.build({k: needed[k] for k in rule.arguments})[1]
        response = page.goto(live_url + url)
        expected = REFUSING.get(rule.endpoint, 200)
        try:  # every page's problems in one report
            assert response.status == expected, f"{url} answered {response.status}"
            assert_fits_360(page, url)
        except AssertionError as problem:
            problems.append(str(problem).splitlines()[0])
        checked.append(url)
    assert problems == []
    assert len(checked) >= 30
