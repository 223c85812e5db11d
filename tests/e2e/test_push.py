"""Web push in Debian's Chromium: subscribe from the profile, a push shown, its click handled.

What is real: the profile's script and button, Chromium's Notification permission (granted to
the context), the service worker (tests/e2e run the one the app serves), the app's worker
signing with VAPID and encrypting for the subscription's keys, and the push service double
(tests/push_service.py) checking the signature and decrypting. What stands in for Google's
FCM, unreachable here: `PushManager.prototype.subscribe` is replaced in the page by one that
returns a subscription at the double, with keys the page makes with WebCrypto (as Chromium
would), and the decrypted message is handed to the service worker with the DevTools protocol's
`ServiceWorker.deliverPushMessage` (what FCM's connection would do). Chromium has no DevTools
command to click a notification, so the test dispatches a `notificationclick` event carrying
the real shown notification inside the real service worker: the worker's handler runs and
navigates the open window, but the event is script-made (untrusted: `waitUntil` throws, and
`focus()`/`openWindow()` are not allowed), so the user-activation part is not exercised.
"""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.models.notification import NotificationKind
from milequest.services.notifications import inbox, preferences, push_subscriptions
from tests.e2e.sessions import log_in
from tests.factories import make_team, make_user
from tests.helpers import wait_for
from tests.push_service import Device

pytestmark = pytest.mark.committing

# Stands in for FCM only: what Chromium's own subscribe would return, keys made in the page.
FAKE_SUBSCRIBE = """endpoint => {
    const b64 = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes)))
        .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    PushManager.prototype.subscribe = async function (options) {
        const pair = await crypto.subtle.generateKey(
            { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
        const publicKey = b64(await crypto.subtle.exportKey("raw", pair.publicKey));
        const secret = (await crypto.subtle.exportKey("jwk", pair.privateKey)).d;
        const auth = b64(crypto.getRandomValues(new Uint8Array(16)));
        const json = { endpoint: endpoint, expirationTime: null,
                       keys: { p256dh: publicKey, auth: auth } };
        localStorage.setItem("fake-push", JSON.stringify({
            json: json, secret: secret, userVisibleOnly: options.userVisibleOnly,
            serverKey: b64(options.applicationServerKey) }));
        return { endpoint: endpoint, expirationTime: null, options: options,
                 toJSON: () => json, unsubscribe: async () => true };
    };
}"""
NOTIFICATIONS = """() => navigator.serviceWorker.ready.then(r => r.getNotifications())
    .then(shown => shown.map(n => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))"""
CLICK_IN_THE_WORKER = """async () => {
    const [shown] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent("notificationclick", { notification: shown }));
    return shown.data;
}"""


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def device_made_in_the_page(page) -> tuple[Device, dict]:
    """The subscription the page made, with the keys only a browser (and the test) holds."""
    made = json.loads(page.evaluate("localStorage.getItem('fake-push')"))
    key = ec.derive_private_key(int.from_bytes(unb64(made["secret"])), ec.SECP256R1())
    device = Device(made["json"]["endpoint"], key, unb64(made["json"]["keys"]["auth"]))
    assert device.p256dh == made["json"]["keys"]["p256dh"]
    return device, made


def registration_id(cdp, page) -> str:
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(r for r in e["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    assert wait_for(lambda: page.evaluate("1") and registrations, timeout_s=20)
    return registrations[0]["registrationId"]


def on_the_profile(browser, live_url: str, push_service, walker, permissions: list[str]):
    """A phone logged in as `walker`, its service worker in control, on the profile page."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.grant_permissions(permissions, origin=live_url)
    context.add_init_script(
        f"({FAKE_SUBSCRIBE})({json.dumps(push_service.origin + '/push/chromium')})"
    )
    page = context.new_page()
    log_in(page, live_url, walker.email)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(f"{live_url}/profile")
    return page


def test_a_push_from_chromium_is_shown_and_its_click_opens_the_team_page(
    app, browser, live_url, push_service, celery_worker
):
    walker = make_user()
    team = make_team(walker, name="Loch Walkers")
    preferences.save(walker.id, preferences.choices_of(walker.id).wants, None, None, 3)
    db.session.commit()
    page = on_the_profile(browser, live_url, push_service, walker, permissions=["notifications"])
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.locator("#push-devices .session-item")).to_have_count(1)  # listed on reload
    device, made = device_made_in_the_page(page)
    assert made["userVisibleOnly"] is True
    assert made["serverKey"] == app.config["VAPID_PUBLIC_KEY"]
    push_service.add_device(device)
    [stored] = push_subscriptions.devices(walker.id)
    assert stored.endpoint == device.endpoint

    draft = inbox.Draft(
        NotificationKind.MILESTONE,
        "e2e:push",
        "Loch Walkers reached Perth",
        f"/teams/{team.id}",
        "12 km from the start",
    )
    inbox.create(walker, draft)
    db.session.commit()  # the worker hands it over and sends it to the push service
    assert wait_for(lambda: push_service.received(device.endpoint), timeout_s=60)
    [message] = push_service.received(device.endpoint)

    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_url,
            "registrationId": registration_id(cdp, page),
            "data": json.dumps(message.payload),
        },
    )
    assert wait_for(lambda: page.evaluate(NOTIFICATIONS), timeout_s=20)
    [shown] = page.evaluate(NOTIFICATIONS)
    assert shown["title"] == "Loch Walkers reached Perth"
    assert shown["body"] == "12 km from the start"
    assert shown["data"] == {"url": f"/teams/{team.id}"}

    page.goto(f"{live_url}/dashboard")
    [worker] = page.context.service_workers
    assert worker.evaluate(CLICK_IN_THE_WORKER) == {"url": f"/teams/{team.id}"}
    expect(page).to_have_url(f"{live_url}/teams/{team.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Loch Walkers")
    assert page.evaluate(NOTIFICATIONS) == []  # the click closed it


def test_without_permission_the_walker_is_told_and_nothing_is_stored(
    browser, live_url, push_service
):
    walker = make_user()
    db.session.commit()
    page = on_the_profile(browser, live_url, push_service, walker, permissions=[])

    page.get_by_role("button", name="Turn on notifications on this device").click()

    expect(page.locator("[data-push-status]")).to_contain_text("blocked for this site")
    assert push_subscriptions.devices(walker.id) == []


def test_without_javascript_devices_are_listed_and_removed(
    phone_without_js, live_url, push_service
):
    walker = make_user()
    device = push_service.new_device()
    keys = device.info["keys"]
    push_subscriptions.subscribe(walker.id, device.endpoint, keys["p256dh"], keys["auth"], "")
    db.session.commit()
    page = phone_without_js
    log_in(page, live_url, walker.email)
    page.goto(f"{live_url}/profile")
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_hidden()

    page.locator("#push-devices").get_by_role("button", name="Remove").click()

    expect(page.locator("#push-devices")).to_contain_text("No device gets notifications yet.")
    db.session.rollback()
    assert push_subscriptions.devices(walker.id) == []
