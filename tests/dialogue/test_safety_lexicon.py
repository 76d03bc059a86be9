"""The safety lexicon (bot/dialogue/safety.py): what must always reach the safety reply,
and everyday messages that must not (a false alarm in place of a balance answer)."""

from __future__ import annotations

import pytest

from bot.dialogue.safety import detect

DANGER = [
    # Devanagari
    "मीटर से धुआँ निकल रहा है", "धुंआ निकल रहा", "मीटर में आग लग गई", "जलने की बदबू आ रही है",
    "तार टूटा पड़ा है", "बिजली का तार लटक रहा है", "करंट लग रहा है", "मीटर में पानी भर गया",
    "मीटर से चिंगारी निकल रही है",
    # romanized Hindi, shorthand
    "meter se chingari nikal rahi hai", "meter se dhuan nikal raha", "meter jal gaya",
    "current lag raha hai meter chhune pe", "deewar me current aa raha hai", "khamba gir gaya",
    "meter me pani ghus gaya", "jalne ki gandh aa rahi hai", "meter geela ho gaya barish me",
    "meter me aag lagi balance bhi khatam",
    # Bhojpuri / Maithili / Magahi
    "chingari nikalat ba", "aag lagal ba", "taar gir gail", "आग लगल बा", "तार गिर गइल",
    "taar gir gail ba, current lagat ba",
    # English
    "Smoke coming from the meter", "sparks from meter", "wire has fallen on the road",
    "there is a fire at the meter", "got an electric shock from the meter",
    "burning smell from the board",
]
FRAUD = [
    "ek aadmi ka call aaya, link pe paise bhejo", "link pe paise bhejo", "OTP maang raha hai",
    "bijli kaat denge, abhi pay karo", "koi OTP puch raha hai", "fraud call aaya",
    "message aaya link pe payment karo", "ek admi bol raha tha otp batao",
    "फर्जी कॉल आया पैसे मांग रहा था", "किसी ने फोन करके पैसे मांगे",
    "एक आदमी बोल रहा है बिजली काट देंगे अभी पैसे भेजो",
    "someone called asking for payment", "got a message with a payment link",
    "he asked for my OTP",
]
#: Not safety. Decided: "aag jaisa bill" and "bill dekh ke shock laga" are angry bill
#: complaints (a fire/shock word about money, no electrical thing named, or "like").
ORDINARY = [
    "balance kitna hai", "मेरा बैलेंस कितना है", "बैलेंस", "recharge link kahan hai",
    "recharge karne ka link bhejo", "app ka link do", "aag jaisa bill aaya",
    "आग जैसा बिल आया", "ghar me aag jaisa bill aaya", "bill me aag laga di",
    "bill dekh ke shock laga", "I was shocked by the bill", "light jal rahi hai",
    "bulb jal raha hai", "current balance kya hai", "mera current balance", "OTP nahi aaya",
    "otp dobara bhejo", "OTP 123456", "mera otp 482913 hai", "payment kaise kare",
    "UPI se payment kaise karun", "recharge ke liye paise kaise bheje", "account link karna hai",
    "bijli kab kategi", "line kat gayi", "line kab aayegi", "light kab aayegi",
    "meter tez chal raha hai", "meter ka display band hai", "pani ka meter",
    "बिजली नहीं आ रही है", "recharge kiya paisa kata", "kitna paisa kata", "कितना पैसा कटा",
    "ok", "hmm", "1", "haan", "", "kab tak jawab aayega", "meter number kya hai",
    "ghar ki light chali gayi",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger(text: str) -> None:
    assert detect(text) == "danger"


@pytest.mark.parametrize("text", FRAUD)
def test_fraud(text: str) -> None:
    assert detect(text) == "fraud"


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_are_not_safety(text: str) -> None:
    assert detect(text) is None
