"""Free text from outside made safe to store: no NUL or other control characters, no lone
surrogates. PostgreSQL refuses NUL in text and psycopg cannot encode a lone surrogate, so
either reaching the database was a 500; SQLite stored them silently. One function, used
at every edge where text comes in (inbound messages of every channel, the API's free-text
fields), so the layers below only ever see clean text."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL and the C1 controls: never meaningful in a
# message, a note or a name. Carriage returns become newlines first (SMS sends "\r\n").
_CONTROLS = {c: None for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (9, 10)}
_SURROGATES = re.compile("[\ud800-\udfff]")
_NEWLINES = re.compile("\r\n?")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without control characters (tab and newline kept, CR/CRLF as newline) and
    without lone surrogates. Clean text comes back unchanged (and fast)."""
    if not _UNSAFE.search(text):
        return text
    return _SURROGATES.sub("", _NEWLINES.sub("\n", text).translate(_CONTROLS))


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def has_controls(text: str) -> bool:
    """For identifiers (references, ids): refused rather than silently changed."""
    return bool(_UNSAFE.search(text)) or "\t" in text or "\n" in text
