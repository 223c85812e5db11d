// The profile's "Turn on notifications on this device" (templates/accounts/
// _profile_notifications.html): where the browser has PushManager, subscribes through the
// service worker and posts the subscription (CSRF token in the header), then reloads so the
// device is listed. Without JavaScript or PushManager the buttons stay hidden.
(function () {
  "use strict";
  const box = document.getElementById("push-devices");
  const able = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!box || !able) return;
  const turnOn = box.querySelector("[data-push-on]");
  const turnOff = box.querySelector("[data-push-off]");
  const status = box.querySelector("[data-push-status]");

  function serverKey() {
    const text = box.dataset.pushKey.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(text + "=".repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }

  function post(url, subscription) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify(subscription)
    }).then(function (answer) {
      if (!answer.ok) throw new Error("refused");
    });
  }

  function failed(error) {
    turnOn.disabled = turnOff.disabled = false;
    status.textContent = error && error.message === "blocked"
      ? "Notifications are blocked for this site: allow them in your browser's settings."
      : "That did not work. Try again in a moment.";
  }

  turnOn.addEventListener("click", function () {
    turnOn.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("blocked");
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: serverKey()
        });
      });
    }).then(function (subscription) {
      return post(box.dataset.subscribe, subscription.toJSON());
    }).then(function () { window.location.reload(); }, failed);
  });

  turnOff.addEventListener("click", function () {
    turnOff.disabled = true;
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      const posted = subscription.toJSON();
      return subscription.unsubscribe().then(function () {
        return post(box.dataset.unsubscribe, posted);
      });
    }).then(function () { window.location.reload(); }, failed);
  });

  turnOn.hidden = false;
  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    turnOff.hidden = !subscription;
  }).catch(function () { /* no worker here: turning on says why */ });
})();
