"""Browser journeys: Debian's Chromium driven by Playwright's sync API.

Never `playwright install`: the browser is the system's (`chromium_path`, which skips
the test, or fails it when REQUIRE_SERVICES=1, if Chromium is missing).
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(settings.VAR_DIR) / "browser"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Lets a fixture's teardown know whether the test body failed.
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(chromium_path, monkeypatch, request):
    """A Chromium page; when the test fails, its last screen is saved to
    var/browser/<test name>.png."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told that this is intended.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is None or report.failed:
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                path = SCREENSHOT_DIR / f"{request.node.name}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of the failing page: {path}")
            context.close()
            browser.close()
            # ORM calls made while Playwright's loop ran opened their own connection (a
            # different context); close it, or the test database cannot be dropped.
            connections.close_all()
