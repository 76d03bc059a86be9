"""The care lexicons: anger (and whether it is about money), "not fixed", and the
recharge form's skip words and transaction ids. Deterministic, so tested word by word."""

from __future__ import annotations

import pytest

from bot.dialogue.anger import about_money, angry
from bot.dialogue.flows.follow_up import not_fixed
from bot.dialogue.flows.recharge_missing import reference, skipped


@pytest.mark.parametrize("text", [
    "bakwas service hai, chor ho tum log", "loot macha rakhi hai", "बकवास सेवा",
    "worst service, thieves", "लूट मचा रखी है", "चोर हो तुम लोग", "ghatiya service",
    "useless bot", "BAKWAAS", "dhokebaaz log", "ठग हो तुम", "sharam karo"])
def test_angry(text: str) -> None:
    assert angry(text)


@pytest.mark.parametrize("text", [
    "mera balance kitna hai", "bijli nahi aa rahi", "ok", "धन्यवाद", "recharge kaise kare",
    "kal kitna kata", "meter tez chal raha hai", "", "👍", "salary", "salam"])
def test_not_angry(text: str) -> None:
    assert not angry(text)


@pytest.mark.parametrize(("text", "money"), [
    ("bakwas service hai, chor ho tum log", True), ("loot macha rakhi hai", True),
    ("बकवास सेवा", False), ("worst service, thieves", True),
    ("bakwas, roz 100 rupaye kat jaate hain", True), ("useless bot, what is my balance", False),
    ("घटिया सेवा, इतना पैसा क्यों कटा", True)])
def test_about_money(text: str, money: bool) -> None:
    assert about_money(text) is money


@pytest.mark.parametrize("text", [
    "theek nahi hua", "thik nahi hua", "abhi bhi nahi aa rahi", "ab bhi nahi aayi bijli",
    "still not fixed", "still no power", "not resolved", "ठीक नहीं हुआ", "अभी भी नहीं आ रही",
    "हल नहीं हुआ", "वही समस्या है", "problem abhi bhi hai", "solve nahi hua"])
def test_not_fixed(text: str) -> None:
    assert not_fixed(text)


@pytest.mark.parametrize("text", [
    "theek hai", "ho gaya", "nahi", "bijli nahi aa rahi", "balance kitna hai", "thank you",
    "abhi balance batao"])
def test_fixed_or_other(text: str) -> None:
    assert not not_fixed(text)


@pytest.mark.parametrize("text", ["pata nahi", "I don't know", "don't know", "nahi pata",
                                  "पता नहीं", "याद नहीं", "skip", "no", "mere paas nahi hai"])
def test_skip_words(text: str) -> None:
    assert skipped(text)


@pytest.mark.parametrize("text", ["412345678901", "kal shaam", "UTR 412345678901", ""])
def test_not_skip_words(text: str) -> None:
    assert not skipped(text)


@pytest.mark.parametrize(("text", "found"), [
    ("412345678901", "412345678901"), ("UTR 412345678901", "412345678901"),
    ("T2311291804123456", "T2311291804123456"), ("txn id: pay_ab12cd34ef56", "AB12CD34EF56"),
    ("ref no. ICI1234567", "ICI1234567"), ("500", None), ("kal shaam", None),
    ("upi ref 3344 5566 7788", "334455667788"), ("12 baje", None)])
def test_reference(text: str, found: str | None) -> None:
    assert reference(text) == found
