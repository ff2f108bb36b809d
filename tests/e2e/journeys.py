"""Helpers the end-to-end journeys share: numbered screenshots per journey and changing
who sits at the keyboard (log out, log in as someone else)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_roles_browser import logged_in_as

JOURNEYS = SCREENSHOTS / "journeys"


class Steps:
    """Numbered screenshots of one journey: ``journeys/<journey>_NN_<name>.png``."""

    def __init__(self, screenshot, journey: str) -> None:
        self._take = screenshot
        self.journey = journey
        self.number = 0
        JOURNEYS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> Path:
        """Wait until htmx is idle, then save the whole page as the next step."""
        self.number += 1
        return self._take(f"journeys/{self.journey}_{self.number:02d}_{name}")


def switch_user(page, user) -> None:
    """Log out through the header's button (if someone is logged in), then log in."""
    logout = page.get_by_role("button", name="Log out", exact=True)
    if logout.count():
        logout.click()
        expect(page).to_have_url(re.compile(r"/login"))
    logged_in_as(page, user)
