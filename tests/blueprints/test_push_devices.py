"""A walker's devices for push: subscribe and unsubscribe (JSON, CSRF header), Remove (a form)."""

import pytest

from milequest.services.notifications import push_subscriptions
from tests.factories import make_user
from tests.helpers import csrf_token, log_in, post_form

SUBSCRIBE = "/notifications/push/subscribe"
UNSUBSCRIBE = "/notifications/push/unsubscribe"
CHROME = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def post_json(client, url: str, body, token: str | None = None):
    headers = {"User-Agent": CHROME}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(url, json=body, headers=headers)


def test_a_walker_turns_push_on_lists_the_device_and_removes_it(client, push_service):
    walker = make_user()
    log_in(client, walker)
    device = push_service.new_device()
    token = csrf_token(client, "/profile")

    answer = post_json(client, SUBSCRIBE, {**device.info, "expirationTime": None}, token)

    assert answer.status_code == 201
    [stored] = push_subscriptions.devices(walker.id)
    assert answer.json == {"id": stored.id}
    assert stored.device == "Chrome on Android" and stored.endpoint == device.endpoint
    profile = client.get("/profile").get_data(as_text=True)
    assert 'id="push-devices"' in profile and "Chrome on Android" in profile
    assert f"/notifications/push/devices/{stored.id}/remove" in profile
    assert "js/push" in profile  # the script, loaded on this page only

    removed = post_form(
        client, f"/notifications/push/devices/{stored.id}/remove", {}, token_page="/profile"
    )
    assert removed.status_code == 303
    assert removed.headers["Location"].endswith("/profile#push-devices")
    assert push_subscriptions.devices(walker.id) == []
    assert "No device gets notifications yet." in client.get("/profile").get_data(as_text=True)


def test_the_browser_unsubscribing_forgets_the_device(client, push_service):
    walker = make_user()
    log_in(client, walker)
    device = push_service.new_device()
    token = csrf_token(client, "/profile")
    post_json(client, SUBSCRIBE, device.info, token)

    answer = post_json(client, UNSUBSCRIBE, {"endpoint": device.endpoint}, token)

    assert answer.status_code == 204
    assert push_subscriptions.devices(walker.id) == []


@pytest.mark.parametrize("leaving", ["log out", "log out everywhere"])
def test_logging_out_of_a_shared_browser_stops_its_pushes(app, client, push_service, leaving):
    walker = make_user()
    log_in(client, walker)
    post_json(client, SUBSCRIBE, push_service.new_device().info, csrf_token(client, "/profile"))
    elsewhere = app.test_client()  # the walker's phone: its device must stay unless it all ends
    log_in(elsewhere, walker)
    phone = push_service.new_device()
    post_json(elsewhere, SUBSCRIBE, phone.info, csrf_token(elsewhere, "/profile"))
    assert len(push_subscriptions.devices(walker.id)) == 2

    url = "/logout" if leaving == "log out" else "/sessions/end-all"
    assert post_form(client, url, {}, token_page="/profile").status_code == 303

    kept = [d.endpoint for d in push_subscriptions.devices(walker.id)]
    assert kept == ([phone.endpoint] if leaving == "log out" else [])


def test_subscribing_needs_the_csrf_token_and_a_walker(client, push_service):
    walker = make_user()
    device = push_service.new_device()

    logged_out = post_json(client, SUBSCRIBE, device.info, csrf_token(client, "/reset"))
    assert logged_out.status_code == 302 and "/login" in logged_out.headers["Location"]
    log_in(client, walker)
    assert post_json(client, SUBSCRIBE, device.info).status_code == 400  # no token
    assert post_json(client, SUBSCRIBE, device.info, "forged").status_code == 400
    assert push_subscriptions.devices(walker.id) == []


def test_another_walkers_device_cannot_be_removed(client, push_service):
    owner, other = make_user(), make_user()
    device = push_service.new_device()
    keys = device.info["keys"]
    subscription_id = push_subscriptions.subscribe(
        owner.id, device.endpoint, keys["p256dh"], keys["auth"], ""
    )
    log_in(client, other)

    removed = post_form(
        client, f"/notifications/push/devices/{subscription_id}/remove", {}, token_page="/profile"
    )
    post_json(client, UNSUBSCRIBE, {"endpoint": device.endpoint}, csrf_token(client, "/profile"))

    assert removed.status_code == 303
    assert [d.id for d in push_subscriptions.devices(owner.id)] == [subscription_id]
    assert str(device.endpoint) not in client.get("/profile").get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [
        None,
        "a string",
        [1, 2],
        {},
        {"endpoint": 7, "keys": {"p256dh": "x", "auth": "y"}},
        {"endpoint": "{origin}/p", "keys": "no"},
        {"endpoint": "{origin}/p", "keys": {"p256dh": ["x"], "auth": {"a": 1}}},
        {"endpoint": "{origin}/p", "keys": {"p256dh": "\x00" * 87, "auth": "\x00" * 22}},
        {"endpoint": "{origin}/\x00", "keys": "{keys}"},
        {"endpoint": "{origin}/" + "x" * 5000, "keys": "{keys}"},
        {"endpoint": "https://evil.example/push", "keys": "{keys}"},
        {"endpoint": "file:///etc/passwd", "keys": "{keys}"},
    ],
)
def test_hostile_json_is_refused_with_a_400(client, push_service, body):
    walker = make_user()
    log_in(client, walker)
    device = push_service.new_device()
    if isinstance(body, dict):
        body = {
            k: v.replace("{origin}", push_service.origin) if isinstance(v, str) else v
            for k, v in body.items()
        }
        if body.get("keys") == "{keys}":
            body["keys"] = device.info["keys"]

    answer = post_json(client, SUBSCRIBE, body, csrf_token(client, "/profile"))

    assert answer.status_code == 400
    assert "error" in answer.json
    assert push_subscriptions.devices(walker.id) == []


def test_without_vapid_keys_push_is_not_offered(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", "")
    log_in(client, make_user())

    assert 'id="push-devices"' not in client.get("/profile").get_data(as_text=True)
