"""A walker signs up with an OpenID provider in a real browser, JavaScript off."""

import re

import pytest
from playwright.sync_api import expect

from tests.oidc_provider import LABEL, NAME, OidcProvider, running_provider


@pytest.mark.committing
def test_continue_with_a_provider_signs_up_without_javascript(
    app, browser, live_url, monkeypatch, tmp_path
):
    with running_provider(tmp_path, redirect_uri=f"{live_url}/oidc/{NAME}/callback") as issuer:
        monkeypatch.setitem(app.config, "OIDC_PROVIDERS", [OidcProvider(issuer).config])
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, java_script_enabled=False
        )
        page = context.new_page()
        page.goto(f"{live_url}/login")
        button = page.get_by_role("button", name=f"Continue with {LABEL}")
        box = button.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44

        button.click()  # to the provider's own login page
        page.get_by_label("Subject").fill("browser-walker")
        page.get_by_label("Email").fill("bea@example.com")
        page.get_by_label("verified").check()
        page.get_by_label("Name").fill("Bea")
        page.get_by_role("button", name="Log in").click()

        expect(page.get_by_role("heading", name=re.compile("Hello, Bea"))).to_be_visible()
        page.goto(f"{live_url}/profile")
        expect(page.locator("#profile-logins")).to_contain_text(LABEL)
        expect(page.get_by_role("button", name="Set password")).to_be_visible()
        context.close()
