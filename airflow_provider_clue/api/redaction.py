"""Keep personal data out of text that reaches logs and exception messages."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_LIKE = re.compile(r"(?<!\d)\+?\d(?:[ .-]?\d){6,}(?!\d)")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2})?")
_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)")
_MAX_LENGTH = 300


def _unless_date(match: re.Match[str]) -> str:
    return match.group() if _DATE_TIME.fullmatch(match.group()) else "[redacted]"


def redact_personal_data(text: str) -> str:
    """Replace e-mail addresses and phone-like digit runs (7+ digits) with ``[redacted]``.

    Also caps the text at a few hundred characters, so a server that echoes a whole record or an
    HTML page into its error message cannot flood a log.
    """
    text = text[: 2 * _MAX_LENGTH]  # the patterns are slow on long runs of letters: cut first
    text = _EMAIL.sub("[redacted]", text)
    # times (2026-10-25T01:30:00.000000Z) are kept whole: their digits are no phone number
    text = "".join(
        part if index % 2 else _PHONE_LIKE.sub(_unless_date, part) for index, part in enumerate(_TIME.split(text))
    )
    if len(text) > _MAX_LENGTH:
        text = text[:_MAX_LENGTH] + "..."
    return text


def redacted_repr(value: object, *, limit: int) -> str:
    """``repr(value)`` for a message: without phones or e-mails, at most ``limit`` characters."""
    text = redact_personal_data(repr(value)[: 2 * _MAX_LENGTH])
    return text if len(text) <= limit else text[: limit - 3] + "..."
