"""Tests marked ``slow`` are collected first, so that the suite's workers start the long ones
at once and spend the end of the run on short ones (pytest-xdist hands out work in the
order collected, after the groups): a long test begun late is what makes a run's tail."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
