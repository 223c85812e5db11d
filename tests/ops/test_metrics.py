"""/metrics: who may read it, and what it says (this process; tests/ops/test_metrics_processes.py
shows the sums over gunicorn workers, a Celery worker and beat)."""

import re
import uuid
from datetime import date

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from milequest.extensions import db
from milequest.models import Team
from milequest.services.core import emails
from milequest.services.operations import system_state
from tests.factories import add_member, make_journey
from tests.helpers import post_form, sign_in_as
from workers.aggregation import reconcile_counters

TOKEN = "s3cret-scrape-token"


@pytest.fixture
def scraping(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", [])


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_metrics_are_refused_without_the_token_or_an_allowed_network(client, scraping):
    assert client.get("/metrics").status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", headers=wrong).status_code == 403
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 403


def test_metrics_are_refused_to_everyone_when_nothing_is_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", [])
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


def test_an_allowed_network_reads_metrics_without_a_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8"])
    assert client.get("/metrics").status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", ["10.0.0.0/8"])
    assert client.get("/metrics").status_code == 403


def test_requests_are_counted_under_their_url_rule_never_their_path(client, scraping):
    client.get("/teams/987654")
    client.get("/no/such/page/4711")

    samples = scrape(client)

    rule = ("route", "/teams/<int:team_id>")
    assert any(
        rule in labels for name, labels in samples if name == "milequest_http_requests_total"
    )
    assert any(
        ("route", "unmatched") in labels and ("status", "404") in labels
        for name, labels in samples
        if name == "milequest_http_requests_total"
    )
    label_values = " ".join(value for _, labels in samples for _, value in labels)
    assert "987654" not in label_values and "4711" not in label_values
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(True)
    assert re.search(r'milequest_http_request_duration_seconds_bucket\{le="0.3"', text)


def test_queue_depth_counts_what_waits_on_each_queue(app, client, scraping):
    celery = app.extensions["celery"]
    for _ in range(3):
        celery.send_task("workers.email.deliver_email", args=[0], queue="email")
    celery.send_task("workers.routes.build_route", args=[0], queue="routes", priority=6)

    samples = scrape(client)

    assert samples[("milequest_queue_depth", (("queue", "email"),))] == 3
    assert samples[("milequest_queue_depth", (("queue", "routes"),))] == 1
    assert samples[("milequest_queue_depth", (("queue", "imports"),))] == 0


def test_outbox_backlog_counts_unsent_email_and_the_oldest_age(client, scraping):
    before = scrape(client)[("milequest_outbox_backlog", ())]
    emails.queue_email("a@example.com", "Hello", "emails/verify.txt", user=None, verify_url="x")
    db.session.flush()

    samples = scrape(client)

    assert samples[("milequest_outbox_backlog", ())] == before + 1
    assert samples[("milequest_outbox_oldest_age_seconds", ())] >= 0
    assert samples[("milequest_outbox_failed", ())] == 0


@pytest.mark.committing
def test_reconcile_drift_and_last_run_are_exposed(client, scraping):
    assert not any(name.startswith("milequest_reconcile") for name, _ in scrape(client))

    found = reconcile_counters()

    samples = scrape(client)
    for table, rows in found.items():
        assert samples[("milequest_reconcile_drift_rows", (("table", table),))] == rows
    assert samples[("milequest_reconcile_last_run_timestamp_seconds", ())] > 0


def test_beat_heartbeat_and_photo_disk_are_exposed(app, client, scraping):
    system_state.record_beat_heartbeat(app.extensions["redis"], 1_700_000_000.0)

    samples = scrape(client)

    assert samples[("milequest_beat_heartbeat_timestamp_seconds", ())] == 1_700_000_000.0
    assert samples[("milequest_photo_disk_free_bytes", ())] > 0
    assert (
        samples[("milequest_photo_disk_free_bytes", ())]
        <= samples[("milequest_photo_disk_size_bytes", ())]
    )
    assert samples[("milequest_state_readable", ())] == 1


def test_a_walk_logged_counts_once_and_its_replay_does_not(client):
    journey = make_journey()
    walker = add_member(db.session.get(Team, journey.team_id)).user
    sign_in_as(client, walker)
    before = REGISTRY.get_sample_value("milequest_walks_logged_total") or 0
    data = {
        "client_id": str(uuid.uuid4()),
        "distance": "2.5",
        "unit": "km",
        "activity_date": date.today().isoformat(),
        "kind": "walk",
        "team_id": str(journey.team_id),
    }

    post_form(client, "/activities/", data)
    post_form(client, "/activities/", data)

    assert REGISTRY.get_sample_value("milequest_walks_logged_total") == before + 1


def test_a_sign_up_is_counted(client):
    before = REGISTRY.get_sample_value("milequest_sign_ups_total") or 0
    data = {"email": "new@example.com", "display_name": "New", "password": "long enough pw"}
    assert post_form(client, "/signup", data).status_code == 303
    assert REGISTRY.get_sample_value("milequest_sign_ups_total") == before + 1
