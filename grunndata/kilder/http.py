"""One source's HTTP client: retries with exponential backoff and jitter.

A timeout, a broken connection, 5xx and 429 are tried again (429 and 503 after at least
the ``Retry-After`` the source asks for), up to ``FollowSettings.retries`` times; then
``SourceUnavailable``. Every other answer goes back to the caller, who knows what a 404 or
a 410 means for that endpoint. Headers are never logged (they may carry a token).

``each`` sends lookups in parallel, at most ``FollowSettings.concurrency`` at once. A
``Retry-After`` the source asks for holds back every request of the client, not only the
one that was refused, so parallel lookups respect the source's rate limit.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

import grunndata
from grunndata.errors import GrunndataError
from grunndata.kilder.settings import FollowSettings

log = logging.getLogger(__name__)
MAX_DELAY_S = 60.0
T = TypeVar("T")
R = TypeVar("R")


class SourceUnavailable(GrunndataError):
    """The source did not answer usefully after every retry: nothing was written."""


class Stopped(GrunndataError):
    """The follower was asked to stop while it waited to try again."""


class SourceClient:
    """``base`` is the source's API base URL; ``auth`` gives the headers that authenticate
    a request (none without it); ``retry_after_unit`` is the unit of the source's
    ``Retry-After`` in seconds (Folkeregisteret's OpenAPI says milliseconds)."""

    def __init__(
        self,
        name: str,
        base: str,
        settings: FollowSettings,
        *,
        auth: Callable[[], Mapping[str, str]] | None = None,
        retry_after_unit: float = 1.0,
        stop: threading.Event | None = None,
    ) -> None:
        self.name, self.base = name, base.rstrip("/")
        self._settings = settings
        self._auth = auth
        self._unit = retry_after_unit
        self._stop = stop or threading.Event()
        self._http = httpx.Client(
            timeout=settings.timeout_s,
            headers={"User-Agent": f"grunndata/{grunndata.__version__}"},
        )
        self.requests = 0
        self._lock = threading.Lock()
        self._not_before = 0.0  # monotonic time before which no request is sent (429)

    def close(self) -> None:
        self._http.close()

    def each(self, lookup: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``lookup`` of every item, in order, at most ``concurrency`` at once; the first
        failure is raised (after the lookups in flight end)."""
        workers = min(self._settings.concurrency, len(items))
        if workers <= 1:
            return [lookup(item) for item in items]
        with ThreadPoolExecutor(workers, thread_name_prefix=f"{self.name}-lookup") as pool:
            futures = [pool.submit(lookup, item) for item in items]
            try:
                return [future.result() for future in futures]
            finally:
                for future in futures:
                    future.cancel()

    def _hold_back(self) -> None:
        """Wait while the source has asked every request to wait (a 429's Retry-After)."""
        while (delay := self._not_before - time.monotonic()) > 0:
            if self._stop.wait(delay):
                raise Stopped(f"{self.name}: stopped while waiting for the source")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        url = f"{self.base}{path}"
        attempts = self._settings.retries + 1
        problem = ""
        for attempt in range(attempts):
            wait = 0.0
            self._hold_back()
            try:
                all_headers = {**(self._auth() if self._auth else {}), **(headers or {})}
                self.requests += 1
                response = self._http.request(
                    method, url, params=params, json=json, headers=all_headers
                )
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}"
                wait = self._retry_after(response)
                with self._lock:
                    self._not_before = max(self._not_before, time.monotonic() + wait)
            if attempt + 1 < attempts:
                delay = max(wait, self._backoff(attempt))
                log.warning(
                    "%s: %s %s: %s; trying again in %.1f s (%d of %d)",
                    self.name, method, path, problem, delay, attempt + 1, attempts - 1,
                )  # fmt: skip
                if self._stop.wait(delay):
                    raise Stopped(f"{self.name}: stopped while waiting for the source")
        raise SourceUnavailable(
            f"{self.name}: {method} {url} failed {attempts} times (last: {problem}); "
            "nothing was written and the cursor is unchanged"
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def _backoff(self, attempt: int) -> float:
        """Exponential, with jitter: half the step fixed, half at random."""
        step = min(MAX_DELAY_S, self._settings.backoff_s * 2**attempt)
        return step / 2 + random.uniform(0, step / 2)

    def _retry_after(self, response: httpx.Response) -> float:
        value = response.headers.get("Retry-After", "").strip()
        try:
            return min(MAX_DELAY_S, max(0.0, float(value) * self._unit))
        except ValueError:
            return 0.0  # an HTTP date or nothing: the backoff decides
