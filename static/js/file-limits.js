// Refuse files that are too large before the upload starts, so the rest of the form is kept
// (the server refuses them too: without JavaScript the answer names the limits).
// A file input says its limits with data-max-bytes (each file) and data-max-total (all of them).
(function () {
  "use strict";
  if (window.mileQuestFileLimits) return; // the script may arrive again in a swapped fragment
  window.mileQuestFileLimits = true;

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
  }

  function problem(input) {
    const each = Number(input.dataset.maxBytes || Infinity);
    const total = Number(input.dataset.maxTotal || Infinity);
    let sum = 0;
    for (let i = 0; i < input.files.length; i++) {
      const file = input.files[i];
      if (file.size > each) {
        return file.name + " is " + megabytes(file.size) + ": the most is " + megabytes(each) + " per file.";
      }
      sum += file.size;
    }
    return sum > total ? "These files come to " + megabytes(sum) + ": the most is " + megabytes(total) + " in all." : "";
  }

  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    if (!input.dataset.maxBytes && !input.dataset.maxTotal) return;
    input.setCustomValidity(problem(input));
    input.reportValidity();
  });
})();
