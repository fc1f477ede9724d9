"""The `clue` connection form in a real browser: headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.deployment import PASSWORD, USER

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Page

    from tests.e2e.deployment import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots"
LABELS = ("Base URL", "User ID", "API token", "Time zone", "Timeout (s)", "Max retries", "Page size",
          "Max concurrency", "Rate limit (req/s)", "Verify TLS", "CA bundle path", "Send filters in",
          "Allow plain HTTP", "Phone hash secret")


@pytest.fixture(scope="module")
def page(deployment: Deployment) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium package"
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        opened = browser.new_page(viewport={"width": 1400, "height": 1100})
        opened.set_default_timeout(30_000)
        opened.goto(f"{deployment.url}/connections")
        opened.get_by_label("Username").fill(USER)
        opened.get_by_label("Password").fill(PASSWORD)
        opened.get_by_role("button", name="Sign in").click()
        opened.wait_for_url("**/connections")
        yield opened
        browser.close()


def test_a_clue_connection_is_added_through_the_form(page: Page, deployment: Deployment) -> None:
    page.get_by_role("button", name="Add Connection").click()
    page.get_by_label("Connection ID").fill("clue_from_the_form")
    page.get_by_text("Select Connection Type").click(force=True)
    page.keyboard.type("Clue")
    page.get_by_role("option", name="Clue", exact=True).click()
    page.screenshot(path=SCREENSHOTS / "1-clue-form.png", full_page=True)

    labels = {label.inner_text().strip().rstrip("*").strip() for label in page.locator("label").all()}
    missing = [label for label in LABELS if label not in labels]
    assert not missing, f"labels missing from the form: {missing}"
    assert page.locator("input[name=password]").get_attribute("type") == "password"  # API token
    assert page.locator("input[name=element_phone_hash_secret]").get_attribute("type") == "password"

    page.locator("input[name=host]").fill("https://clue.example.test")
    page.locator("input[name=login]").fill("40863af8-db4a-41c6-a269-eb5bc386d97f")
    page.locator("input[name=password]").fill("token-typed-in-the-form")
    page.get_by_role("button", name="Extra Fields", exact=True).click()
    page.locator("input[name=element_timezone]").fill("Asia/Shanghai")
    page.locator("input[name=element_max_concurrency]").fill("8")
    page.screenshot(path=SCREENSHOTS / "2-clue-form-filled.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("dialog").wait_for(state="hidden")
    page.get_by_text("clue_from_the_form").first.wait_for()
    page.screenshot(path=SCREENSHOTS / "3-connection-listed.png", full_page=True)

    saved = deployment.api("GET", "/connections/clue_from_the_form")
    assert saved["conn_type"] == "clue" and saved["host"] == "https://clue.example.test"
    assert saved["login"] == "40863af8-db4a-41c6-a269-eb5bc386d97f"
    extra = json.loads(saved["extra"])
    assert extra["timezone"] == "Asia/Shanghai" and int(extra["max_concurrency"]) == 8
