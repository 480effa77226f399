"""Playwright in Debian's headless chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

from safegrid.testing import SLOW_MACHINE_TIMEOUT_MS

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there
# unless told otherwise. Only the e2e tests load this conftest.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (./run test installs Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Pages with a Chinese browser locale (the platform's users), closed after the test."""
    contexts = []

    def make(width=1366, height=800):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        context.set_default_timeout(SLOW_MACHINE_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save
