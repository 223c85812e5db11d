// Fill hidden time zone fields from the browser, so a new walker's days start at their midnight.
// Without JavaScript the field stays empty and the server keeps its default (UTC).
document.querySelectorAll("input[data-detect-timezone]").forEach(function (input) {
  try {
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    input.value = "";
  }
});
