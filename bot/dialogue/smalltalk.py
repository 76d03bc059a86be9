"""Small talk: acknowledgements, thanks, greetings and emoji-only messages.

"ok", "hmm", "achha", "👍" are how people close a turn, not failed requests: they get a
short friendly line (no menu; a greeting gets the greeting) and never count toward the
failures that offer a person. Matched on the whole normalised message from a small
lexicon, so the answer does not depend on the classifier's mood; a form that asked a
yes/no question sees the message first, so "ok" there is still an answer."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from bot.dialogue.keywords import normalise

SmallTalk = Literal["thanks", "greet", "ack"]

_THANKS = frozenset({
    "thanks", "thank you", "thankyou", "thanku", "thank u", "thx", "tnx", "ty",
    "thanks a lot", "thank you so much", "ok thanks", "ok thank you", "okay thanks",
    "dhanyavad", "dhanyawad", "dhanyabad", "dhanywad", "shukriya", "sukriya", "shukria",
    "धन्यवाद", "धन्यबाद", "शुक्रिया", "थैंक्स", "थैंक यू", "बहुत धन्यवाद", "बहुत शुक्रिया",
    "ok dhanyavad", "ठीक है धन्यवाद", "ji dhanyavad", "जी धन्यवाद",
})
_ACK = frozenset({
    "ok", "okay", "okey", "okk", "okkk", "k", "kk", "ok ji", "okay ji", "oke", "ओके",
    "achha", "accha", "acha", "achchha", "achcha", "achha ji", "accha ji", "acha ji",
    "अच्छा", "अच्छा जी", "अच्छा ठीक है", "achha theek hai", "acha thik hai",
    "theek hai", "thik hai", "theek", "thik", "thik h", "theek h", "thick hai",
    "ठीक है", "ठीक", "ठीक है जी", "theek hai ji", "thik hai ji",
    "ji", "jee", "जी", "ji haan", "ji han", "जी हाँ", "जी हां",
    "haan", "han", "haa", "haan ji", "hanji", "हाँ", "हां", "हाँ जी", "हां जी",
    "sahi", "sahi hai", "सही", "सही है", "fine", "alright", "all right", "got it", "noted",
    "cool", "nice", "good", "great", "बढ़िया", "badhiya", "bahut badhiya",
    "good night", "gn", "शुभ रात्रि", "shubh ratri", "jai hind", "जय हिंद",
})
#: Greetings open a conversation: answered with the greeting (the consumer's name and the
#: menu), still never a failure.
_GREET = frozenset({
    "good morning", "good evening", "good afternoon", "gm", "suprabhat", "शुभ प्रभात",
    "सुप्रभात", "namaste", "namaskar", "namashkar", "pranam", "parnam", "नमस्ते",
    "नमस्कार", "प्रणाम", "ram ram", "राम राम", "namaste ji", "नमस्ते जी", "pranam ji",
})
#: Regional greetings (Bhojpuri, Maithili, Magahi) and "how are you": "ka haal ba" is a
#: hello, not a question the menu must answer.
_GREET = _GREET | frozenset({
    "ka haal ba", "ka hal ba", "ka haal ba ho", "ka haal ba bhaiya", "ka ho", "ka ho bhaiya",
    "ka ho bhai", "kaisan ba", "kaisan baani", "kaisan bani", "kaisan ahi", "kee haal",
    "ki haal", "ki haal chhai", "pranam ho", "pranam bhaiya", "ram ram ho",
    "का हाल बा", "का हाल बा हो", "का हो", "का हो भइया", "कइसन बा", "कइसन बानी",
    "की हाल", "की हाल छै", "प्रणाम हो", "प्रणाम भइया", "राम राम हो",
    "kya haal hai", "kya hal hai", "kaise ho", "kaise hain", "क्या हाल है", "कैसे हो",
    "कैसे हैं", "how are you", "hello how are you", "hi how are you",
})
_HMM = re.compile(r"^(h+m+|u+m+|o+h+|a+h+|हम्म+|हम्म|हूँ+|हुं+|हम)$")


def _emoji_only(text: str) -> bool:
    """Only pictographs, symbols, joiners and spaces ("👍", "🙏🙏", "❤️", "😊 😊")."""
    chars = [c for c in (text or "") if not c.isspace()]
    if not chars:
        return False
    pictured = False
    for ch in chars:
        category = unicodedata.category(ch)
        if category in ("So", "Sk"):
            pictured = True
        elif category in ("Mn", "Cf") or ch in "\ufe0f\u200d":
            continue  # variation selectors, zero-width joiners, skin-tone modifiers
        elif category.startswith("P"):
            continue
        else:
            return False
    return pictured


def small_talk(text: str | None) -> SmallTalk | None:
    """What kind of small talk a whole message is, or None when it asks for something."""
    if _emoji_only(text or ""):
        return "ack"
    folded = normalise(text or "")
    if not folded:
        return None
    if folded in _THANKS:
        return "thanks"
    if folded in _GREET:
        return "greet"
    if folded in _ACK or _HMM.match(folded):
        return "ack"
    return None


# --- out of scope ------------------------------------------------------------------------
# The classifier's out_of_scope also covers keyboard mash ("asdf"), which is a real
# misunderstanding; a polite "not ours" (not counted as a failure) needs a message that
# is recognisably about something else: a known other subject, or a sentence.
_OTHER_SUBJECTS = frozenset({
    "mobile", "jio", "airtel", "vodafone", "vi", "bsnl", "sim", "data", "net", "dth",
    "tata", "sky", "fastag", "bank", "loan", "atm", "upi", "ration", "aadhaar", "aadhar",
    "pan", "kisan", "pm", "yojana", "scheme", "pension", "gas", "cylinder", "subsidy",
    "train", "ticket", "bus", "weather", "mausam", "barish", "rain", "cricket", "match",
    "ipl", "score", "movie", "film", "song", "gaana", "gana", "joke", "chutkula", "naukri",
    "job", "vacancy", "result", "exam", "election", "chunav", "paani", "pani", "water",
    "tax", "holding", "nagar", "nigam",
    "मोबाइल", "जियो", "एयरटेल", "वोडाफोन", "बीएसएनएल", "सिम", "नेट", "डीटीएच", "बैंक",
    "लोन", "राशन", "आधार", "पैन", "किसान", "योजना", "पेंशन", "गैस", "सिलेंडर",
    "सब्सिडी", "ट्रेन", "टिकट", "मौसम", "बारिश", "मैच", "क्रिकेट", "आईपीएल", "फिल्म",
    "गाना", "चुटकुला", "नौकरी", "वैकेंसी", "रिजल्ट", "चुनाव", "पानी", "टैक्स", "फास्टैग",
})
_SENTENCE_WORDS = frozenset({
    "kya", "hai", "ka", "ki", "ke", "kaise", "kab", "kaun", "kahan", "kitna", "mera",
    "mujhe", "what", "how", "when", "who", "where", "is", "the", "my", "can", "do",
    "क्या", "है", "का", "की", "के", "कैसे", "कब", "कौन", "कहाँ", "कितना", "मेरा", "मुझे",
})


def off_topic(text: str | None) -> bool:
    """Whether an out-of-scope message is a real question about another subject (not
    keyboard mash): it names one, or is a sentence of three or more words."""
    words = normalise(text or "").split()
    if any(w in _OTHER_SUBJECTS for w in words):
        return True
    return len(words) >= 3 and any(w in _SENTENCE_WORDS for w in words)
