"""The followers' stand-ins, for the events of followed batches."""

from tests.kilder.conftest import sources_  # noqa: F401
