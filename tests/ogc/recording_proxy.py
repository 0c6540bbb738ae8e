"""An HTTP proxy for the browser test that records every request the browser makes (the
page's and its workers') and forwards only those to loopback: Chromium is told to send
everything through it, loopback included, so the test can assert that nothing else was
asked for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length",
        "content-encoding", "upgrade"}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]]

    def log_message(self, *args: object) -> None:
        pass

    def _forward(self) -> None:
        self.seen.append(
            (self.path, self.headers.get("referer") or self.headers.get("origin") or "")
        )
        host = urlsplit(self.path).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            self.send_error(403, "the test lets nothing leave loopback")
            return
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        answer = httpx.request(self.command, self.path, headers=headers, content=body,
                               timeout=60)  # fmt: skip
        self.send_response(answer.status_code)
        for name, value in answer.headers.multi_items():
            if name.lower() not in _HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_HEAD = _forward

    def do_CONNECT(self) -> None:
        self.seen.append((f"https://{self.path}/", ""))  # what is inside is not seen
        self.send_error(403, "the test lets nothing leave loopback")


@contextmanager
def recording_proxy() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(the proxy's host:port, the (URL, Referer or Origin) asked for so far)."""
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
