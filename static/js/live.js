// Live team page (templates/teams/_live.html): the socket resumes from the last event the page
// shows (#team-live-cursor, updated by every message), and the cursor polls only while the
// socket is down.
(function () {
  "use strict";
  let socketOpen = false;

  function cursor() {
    return document.getElementById("team-live-cursor");
  }

  // htmx's ws extension calls this on every (re)connect with the URL the page was served with.
  htmx.createWebSocket = function (url) {
    const resume = new URL(url, window.location.href);
    const last = cursor();
    if (last) resume.searchParams.set("after", last.dataset.after);
    return new WebSocket(resume.href);
  };

  document.addEventListener("htmx:wsOpen", function () { socketOpen = true; });
  document.addEventListener("htmx:wsClose", function () { socketOpen = false; });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (socketOpen && event.detail.elt === cursor()) event.preventDefault();
  });

  // A poll in flight as the socket reconnects can bring an event the socket also sends.
  function keepOneOfEach() {
    const seen = {};
    document.querySelectorAll("#team-event-list > li").forEach(function (item) {
      if (seen[item.id]) item.remove();
      seen[item.id] = true;
    });
  }
  document.addEventListener("htmx:wsAfterMessage", keepOneOfEach);
  document.addEventListener("htmx:afterRequest", keepOneOfEach);
})();
