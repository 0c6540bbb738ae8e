"""The followers' stand-ins, for the revert of followed batches."""

from tests.kilder.conftest import sources_  # noqa: F401
