"""The shared sanitiser: control characters and lone surrogates never reach the database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backend.platform.text import clean_text, has_controls


def test_nul_and_controls_are_dropped_newlines_and_tabs_kept() -> None:
    assert clean_text("bal\x00ance\x07 please") == "balance please"
    assert clean_text("line one\r\nline two\rthree\tcol") == "line one\nline two\nthree\tcol"
    assert clean_text("bill\x85 \x9b") == "bill "  # C1 controls too
    assert clean_text("ab\ud800c") == "abc"  # a lone surrogate cannot be encoded


def test_clean_text_is_unchanged() -> None:
    for text in ("मेरा बैलेंस कितना है", "mera balance kitna hai", "₹500 😊", ""):
        assert clean_text(text) == text


@given(st.text())
def test_result_always_encodes_and_has_no_controls(text: str) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # no lone surrogates left
    assert "\x00" not in cleaned and "\r" not in cleaned
    assert not has_controls(cleaned.replace("\n", "").replace("\t", ""))
    assert clean_text(cleaned) == cleaned


def test_has_controls() -> None:
    assert has_controls("REF\x001") and has_controls("a\nb") and not has_controls("UPI-123")
