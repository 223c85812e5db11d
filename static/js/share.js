// Share and Copy buttons for a link or message printed as plain text (templates/invites/
// _share_box.html). Share uses the Web Share API where the browser has it; Copy uses the
// clipboard and says "Copied" in the box's status line. Without either the buttons stay hidden
// and the text is there to select.
(function () {
  "use strict";
  if (window.mileQuestShare) return; // the script may arrive again in a swapped fragment
  window.mileQuestShare = true;

  function showButtons(root) {
    root.querySelectorAll("[data-share]").forEach(function (box) {
      const share = box.querySelector("[data-share-button]");
      const copy = box.querySelector("[data-copy-button]");
      const canShare = typeof navigator.share === "function";
      if (share && canShare) share.hidden = false;
      if (!copy || !navigator.clipboard || !window.isSecureContext) return;
      copy.hidden = false;
      if (!canShare) copy.classList.replace("btn--secondary", "btn--primary"); // the one action
    });
  }

  function say(box, message) {
    box.querySelector("[data-share-status]").textContent = message;
  }

  function share(box) {
    const data = { title: box.dataset.shareTitle };
    if (box.dataset.shareUrl) data.url = box.dataset.shareUrl;
    else data.text = box.dataset.shareText;
    navigator.share(data).catch(function (error) {
      if (error.name !== "AbortError") say(box, "Sharing did not work: copy the text above instead.");
    });
  }

  function copy(box) {
    const text = box.dataset.shareUrl || box.dataset.shareText;
    navigator.clipboard.writeText(text).then(
      function () { say(box, "Copied. Paste it where you like."); },
      function () { say(box, "Could not copy: press and hold the text above to copy it."); }
    );
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-share-button], [data-copy-button]");
    const box = button && button.closest("[data-share]");
    if (!box) return;
    if (button.hasAttribute("data-share-button")) share(box);
    else copy(box);
  });
  document.addEventListener("htmx:load", function (event) { showButtons(event.detail.elt); });
  showButtons(document);
})();
