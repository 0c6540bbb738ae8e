"""The one exception every identifier parser raises, and the input clean-up they share.

>>> exc = InvalidIdentifier("12345", "wrong length: must be 9 digits, got 5", "orgnr")
>>> isinstance(exc, ValueError)
True
>>> exc.reason
'wrong length: must be 9 digits, got 5'
>>> exc.value
'12345'
>>> str(exc)
"invalid orgnr '12345': wrong length: must be 9 digits, got 5"
"""

from __future__ import annotations

_DIGITS = frozenset("0123456789")
#: Characters people put inside numbers: space, no-break spaces, hyphen, dot.
_SEPARATORS = frozenset(" \u00a0\u202f-.")
_MAX_REPR = 60


class InvalidIdentifier(ValueError):
    """An identifier failed a check.

    ``reason`` is one sentence naming the check that failed; ``value`` is the input
    exactly as given; ``identifier`` names the kind of identifier that was parsed.
    """

    def __init__(self, value: object, reason: str, identifier: str = "identifier") -> None:
        self.value = value
        self.reason = reason
        self.identifier = identifier
        shown = repr(value)
        if len(shown) > _MAX_REPR:
            shown = shown[: _MAX_REPR - 3] + "..."
        super().__init__(f"invalid {identifier} {shown}: {reason}")

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[object, str, str]]:
        return (self.__class__, (self.value, self.reason, self.identifier))


def _require_str(value: object, identifier: str) -> str:
    """Return ``value`` stripped of surrounding whitespace, or reject a non-string."""
    if not isinstance(value, str):
        raise InvalidIdentifier(value, f"expected a string, got {type(value).__name__}", identifier)
    return value.strip()


def _compact(value: object, identifier: str) -> str:
    """Strip surrounding whitespace and remove separators (spaces, hyphens, dots)."""
    text = _require_str(value, identifier)
    return "".join(c for c in text if c not in _SEPARATORS)


def _shorten(text: str, limit: int = 20) -> str:
    """Cut long user text so that a reason stays one readable sentence."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_digits(digits: str, length: int, value: object, identifier: str) -> None:
    """Reject anything but exactly ``length`` ASCII digits (characters first, then length)."""
    bad = sorted({c for c in digits if c not in _DIGITS})
    if bad:
        raise InvalidIdentifier(
            value,
            f"contains characters other than digits: {_shorten(''.join(bad))!r}",
            identifier,
        )
    if len(digits) != length:
        raise InvalidIdentifier(
            value, f"wrong length: must be {length} digits, got {len(digits)}", identifier
        )
