"""Normalisation folds spellings together and keeps offsets into the original text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.normalize import normalize, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hiiii!!!", "hi"),
        ("Mera BALANS kitna h??", "mera balance kitna hai"),
        ("bijali nahin aa rhi", "bijli nahi aa raha"),
        ("blance plz", "balance please"),
        ("richarge kaise kre", "recharge kaise karo"),
        ("belence", "balance"),
        ("nhi", "nahi"),
        ("nai", "nahi"),
        ("kr do", "kar do"),
        ("pleeeease", "please"),
        ("bill", "bill"),
        ("kitna", "kitna"),
        ("okkk", "ok"),
        ("₹500", "rs 500"),
        ("Rs.1,500/-", "rs 1500"),
        ("1.5k", "1.5k"),
        ("१२३४५६७८९", "123456789"),
        ("ज़्यादा", "ज्यादा"),
        ("फ़्रॉड", "फ्रोड"),
        ("पाँच", "पांच"),
        ("बिजली।", "बिजली"),
        ("नही", "नहीं"),
        ("बेलेंस", "बैलेंस"),
        ("👍", "ok"),
        ("🙏🙏", "dhanyavad dhanyavad"),
        ("😀😡🔥", ""),
        ("   ", ""),
        ("ｈｅｌｌｏ", "hello"),
        ("don't", "dont"),
    ],
)
def test_normalize_table(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_nfc_and_nfd_inputs_normalise_alike() -> None:
    text = "क़्या बिजली ज़्यादा कट रही है"
    assert normalize_text(unicodedata.normalize("NFD", text)) == normalize_text(
        unicodedata.normalize("NFC", text)
    )


def test_offsets_point_into_original() -> None:
    raw = "Hiii ₹५०० ka RICHARGE"
    norm = normalize(raw)
    assert norm.text == "hi rs 500 ka recharge"
    start = norm.text.index("500")
    assert norm.span(start, start + 3) == (6, 9)
    assert raw[6:9] == "५००"
    start = norm.text.index("recharge")
    s, e = norm.span(start, start + len("recharge"))
    assert raw[s:e] == "RICHARGE"


@given(st.text(max_size=300))
def test_normalize_never_raises_and_offsets_are_valid(text: str) -> None:
    norm = normalize(text)
    assert len(norm.offsets) == len(norm.text)
    assert all(0 <= o < len(text) for o in norm.offsets)
    assert norm.offsets == tuple(sorted(norm.offsets))
    assert "  " not in norm.text
    assert norm.text == norm.text.strip()
