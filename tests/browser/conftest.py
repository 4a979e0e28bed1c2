"""Browser-test fixtures: one Playwright driver per session (two sync_playwright() in one process fail)."""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")  # closes its event loop before other tests call asyncio.run
def pw():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`make browser-deps`); "
                    "never `playwright install` (it downloads browsers)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
