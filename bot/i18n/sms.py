"""SMS awareness for rendering; the pure logic lives in `backend.messaging.sms` so the backend can
count broadcast segments without importing the bot."""

from backend.messaging.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    PART,
    SINGLE,
    Encoding,
    encoding,
    is_gsm7,
    length,
    segments,
    to_gsm_safe,
)

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "PART", "SINGLE", "Encoding", "encoding", "is_gsm7",
           "length", "segments", "to_gsm_safe"]
