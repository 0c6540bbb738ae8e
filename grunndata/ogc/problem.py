"""Errors of the OGC API as data: an HTTP status, an OGC exception code and a sentence.

Answered as the OGC exception JSON (``{"code": …, "description": …}``); never a trace.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class Problem(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"code": self.code, "description": self.description},
            status_code=self.status,
            headers={"Cache-Control": "no-store"},
        )


def not_found(what: str) -> Problem:
    return Problem(404, "NotFound", what)
