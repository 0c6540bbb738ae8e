"""``--dist loadgroup`` on this pytest: pytest-xdist 3.8 sends a test marked
``xdist_group(NAME)`` to the group's worker by appending ``@NAME`` to its ``_nodeid``, which
pytest 9.2 no longer reads (the id is ``_id``), so every test would go anywhere. This does
the same on ``_id``; it does nothing when xdist already did (``@`` in the id)."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")  # type: ignore[attr-defined]
