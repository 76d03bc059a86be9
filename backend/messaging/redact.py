"""Send errors as they are stored on an outbox row and logged: never with the full number
or the message's parameters (an OTP code, a name, an amount), per the privacy rule
(docs/ARCHITECTURE.md, "Privacy"), and never longer than the row's column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from backend.messaging.senders import OutgoingMessage
from backend.messaging.sent_log import MASK, SECRET_PARAMS

MAX_ERROR_CHARS = 500


def error_text(exc: BaseException, message: OutgoingMessage) -> str:
    """The error as stored and logged: type and text, with the address masked and any
    parameter value redacted, truncated to `MAX_ERROR_CHARS`."""
    text = f"{type(exc).__name__}: {exc}"
    secrets = {str(v) for v in _leaves(message.params)} | {message.address}
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, message.masked_address if secret == message.address
                            else "[redacted]")
    return text[:MAX_ERROR_CHARS]


def _leaves(value: object) -> Iterable[object]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield value


def without_secrets(params: Mapping[str, object]) -> dict[str, object] | None:
    """`params` with each secret parameter's value (an OTP code) masked, as a sent row keeps
    them; None if there is none to mask."""
    if not any(params.get(name) is not None for name in SECRET_PARAMS):
        return None
    return {name: (MASK * len(str(value)) if name in SECRET_PARAMS and value is not None
                   else value) for name, value in params.items()}
