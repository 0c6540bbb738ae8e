"""The 18-month rule (eForvaltningsforskriften § 32) and varslingsstatus, against an
independent reference: whole calendar months counted between the two Norwegian dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grunndata.registers.kontaktregister.varsling import (
    Grunn,
    Varslingsstatus,
    last_usable_day,
    usable,
    vurder,
)

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC
moments = st.datetimes(dt.datetime(1999, 1, 1), dt.datetime(2041, 1, 1), timezones=st.just(UTC))


def reference(anchor: dt.datetime, at: dt.datetime) -> bool:
    """Usable when fewer than 18 whole months lie between the Norwegian dates, or exactly
    18 and the day of the month has not passed the anchor's (a shorter month ends first)."""
    a, t = anchor.astimezone(OSLO).date(), at.astimezone(OSLO).date()
    if t < a:
        return False
    months = (t.year - a.year) * 12 + t.month - a.month
    return months < 18 or (months == 18 and t.day <= a.day)


@given(moments, moments)
def test_a_channel_is_usable_exactly_when_the_reference_says(anchor, at):
    assert usable(anchor, None, at) == (anchor <= at and reference(anchor, at))


@given(moments, moments, moments)
def test_the_latest_of_updated_and_verified_not_after_the_moment_counts(updated, verified, at):
    expected = updated <= at and (
        reference(updated, at) or (verified <= at and reference(verified, at))
    )
    assert usable(updated, verified, at) == expected


@pytest.mark.parametrize(
    ("updated", "last"),
    [
        ("2024-08-31T12:00:00+02:00", "2026-02-28"),  # into a short February
        ("2022-08-31T12:00:00+02:00", "2024-02-29"),  # into a leap-year February
        ("2024-02-29T12:00:00+01:00", "2025-08-29"),  # from a leap day
        ("2023-01-31T12:00:00+01:00", "2024-07-31"),
        ("2024-01-31T23:30:00+00:00", "2025-08-01"),  # already 1 February in Norway
        ("2024-03-31T01:30:00+00:00", "2025-09-30"),  # the night summer time begins
    ],
)
def test_month_ends_leap_days_and_norwegian_dates(updated, last):
    anchor = dt.datetime.fromisoformat(updated)
    assert last_usable_day(anchor) == dt.date.fromisoformat(last)
    day = dt.date.fromisoformat(last)
    late_evening = dt.datetime.combine(day, dt.time(23, 59, 59), OSLO)
    assert usable(anchor, None, late_evening)
    assert not usable(anchor, None, late_evening + dt.timedelta(seconds=1))


def test_a_channel_set_after_the_moment_is_not_usable_then():
    updated = dt.datetime(2025, 6, 1, tzinfo=OSLO)
    assert not usable(updated, None, updated - dt.timedelta(seconds=1))
    assert not usable(None, None, updated)


@pytest.mark.parametrize(
    ("status", "reserved", "channels", "expected"),
    [
        ("AKTIV", False, [(True, True), (True, False)], (Varslingsstatus.KAN_VARSLES, None)),
        ("AKTIV", True, [(True, True)], (Varslingsstatus.KAN_IKKE_VARSLES, Grunn.RESERVERT)),
        ("SLETTET", False, [], (Varslingsstatus.KAN_IKKE_VARSLES, Grunn.SLETTET)),
        ("IKKE_REGISTRERT", False, [],
         (Varslingsstatus.KAN_IKKE_VARSLES, Grunn.IKKE_REGISTRERT)),
        ("AKTIV", False, [(True, False), (False, False)],
         (Varslingsstatus.KAN_IKKE_VARSLES, Grunn.UTDATERT)),
        ("AKTIV", False, [(False, False)] * 2,
         (Varslingsstatus.KAN_IKKE_VARSLES, Grunn.INGEN_KONTAKTINFORMASJON)),
    ],
)  # fmt: skip
def test_varslingsstatus_and_its_reason(status, reserved, channels, expected):
    found = vurder(status, reserved, channels)
    assert (found.status, found.grunn) == expected
