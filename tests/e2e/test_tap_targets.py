"""Every interactive target on every page is at least 44x44 CSS px on a 360 px phone.

WCAG 2.5.5 (Target Size, AAA) asks for 44x44 CSS px. The rule, strictly applied here:
- Targets are visible `a[href]`, `button`, `input` (not hidden), `select`, `summary` and
  `textarea`, with every <details> opened (menus, "More" fields). Hidden ones (display none,
  `hidden`, visibility hidden) are not targets.
- A radio button or checkbox inside (or named by) a <label> is measured with that label: a tap
  on the label toggles it, so the label is the target.
- The "inline" exception is taken only for a link inside a sentence: an inline <a> whose
  paragraph has at least 40 characters of its own text outside links. Link-only lines
  ("← Back to …", "Journey details", "Edit") are targets however they are marked up, and
  so is a link the CSS makes a box of its own (inline-flex or block).
"""

import pytest

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.e2e.test_every_page import a_busy_world, page_rules
from tests.e2e.test_layout import PUBLIC_PAGES
from tests.factories import make_team

MINIMUM = 44

MEASURE = """(MINIMUM) => {
  const seen = [];
  const visible = el => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  const ownText = p => {
    const clone = p.cloneNode(true);
    clone.querySelectorAll('a, button, input, select, textarea').forEach(e => e.remove());
    return clone.textContent.replace(/\\s+/g, ' ').trim().length;
  };
  const inSentence = el => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const p = el.closest('p, li, dd, td');
    return p !== null && ownText(p) >= 40;
  };
  const box = el => {
    if ((el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels.length) {
      const label = el.labels[0].getBoundingClientRect();
      return { width: label.width, height: label.height };
    }
    // A link that wraps over lines: its tallest piece is what a thumb can hit.
    const rects = Array.from(el.getClientRects());
    const widest = rects.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return { width: widest.width, height: widest.height };
  };
  const name = el => (el.getAttribute('aria-label') || el.textContent || el.value ||
    el.name || el.type || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
  // What a closed <details> holds (the header's menu, "More", "Leave this team") counts too.
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const selector = 'a[href], button, input:not([type="hidden"]), select, summary, textarea';
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    const { width, height } = box(el);
    if (inSentence(el)) continue;
    if (width < MINIMUM || height < MINIMUM) {
      const size = `${Math.round(width)}x${Math.round(height)}`;
      seen.push(`${el.tagName.toLowerCase()} "${name(el)}" ${size}`);
    }
  }
  return seen;
}"""


def small_targets(page, url: str) -> list[str]:
    return [f"{url}: {target}" for target in page.evaluate(MEASURE, MINIMUM)]


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_every_target_on_every_page_is_big_enough_for_a_thumb(
    app, browser, live_url, monkeypatch, javascript
):
    captain, values, per_endpoint = a_busy_world(app, monkeypatch)
    starting = make_team(captain, name="No journey yet")  # its page says "Start one"
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    offenders = []
    for path in PUBLIC_PAGES:  # as a visitor
        page.goto(live_url + path)
        offenders += small_targets(page, path)
    log_in(page, live_url, captain.email)
    urls = [f"/teams/{starting.id}"]
    for rule in page_rules():
        needed = {**values, **per_endpoint.get(rule.endpoint, {})}
        urls.append(rule.build({k: needed[k] for k in rule.arguments})[1])
    for url in urls:
        response = page.goto(live_url + url)
        assert response.status in (200, 400), url  # test_every_page checks each status
        offenders += small_targets(page, url)
    context.close()
    assert len(urls) >= 30
    assert offenders == [], "\n".join(offenders)
