"""A contact's conversation state between messages, as a small JSON-able dict.

Kept in the database (not in process memory) so a conversation survives restarts and any
web process can take the next message. Only what the next message needs is kept: the open
form and its step, its slots, and the values behind the last numbered list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERSION = 1


@dataclass
class DialogueState:
    form: str | None = None  # the flow waiting for an answer, e.g. "link"
    step: str | None = None  # which answer, e.g. "otp"
    slots: dict[str, Any] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)  # values of the last numbered list

    @property
    def in_form(self) -> bool:
        return self.form is not None

    def open(self, form: str, step: str, **slots: Any) -> None:
        self.form, self.step = form, step
        self.slots = dict(slots)

    def close(self) -> None:
        self.form, self.step, self.slots = None, None, {}

    def to_dict(self) -> dict[str, Any]:
        return {"v": VERSION, "form": self.form, "step": self.step, "slots": self.slots,
                "options": self.options}

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> DialogueState:
        """Unknown versions or shapes start afresh rather than fail a consumer's message."""
        if not raw or raw.get("v") != VERSION:
            return cls()
        return cls(form=raw.get("form"), step=raw.get("step"),
                   slots=dict(raw.get("slots") or {}), options=list(raw.get("options") or []))

    def is_empty(self) -> bool:
        return self.form is None and not self.options
