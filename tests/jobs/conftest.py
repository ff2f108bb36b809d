"""Jobs registered only for a test, and a helper to wait for something to happen."""

from __future__ import annotations

import time

import pytest

from portal.jobs.registry import JOBS, register


@pytest.fixture
def test_job():
    """``test_job(name, function, schedule=None)`` registers a job for this test only."""
    added = []

    def _register(name, function, schedule=None):
        added.append(name)
        return register(name, function, f"test job {name}", schedule)

    yield _register
    for name in added:
        JOBS.pop(name, None)


def wait_for(condition, timeout: float = 10.0, step: float = 0.05):
    """Poll ``condition()`` until it is true (returns it) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    raise AssertionError("condition not met in time")
