"""The safety lexicon: does a message report electrical danger or a fraud attempt?

Deterministic on purpose. It runs before the NLU, before any open form, during a handoff
and for unverified contacts, so a sparking meter or a "pay now" call is never lost to a
low-confidence intent or a form that swallows the message. It matches phrases on the NLU's
normalised text (Devanagari without nukta/chandrabindu, romanized spelling variants folded,
e.g. "rahi" -> "raha", "paise" -> "paisa"), in Hindi, English, romanized Hindi and common
Bhojpuri/Maithili/Magahi forms ("nikalat ba", "lagal", "gir gail").

Figures of speech: fire and shock words ("aag jaisa bill aaya", "bill dekh ke shock laga")
are an angry bill complaint, not danger, when the message talks about money and either
names no electrical thing (meter, wire, board, pole...) or says "like" ("jaisa"). With one
named ("meter me aag, balance bhi khatam") it is danger: a false alarm costs one extra message,
a missed fire costs far more."""

from __future__ import annotations

import re
from typing import Literal

from nlu.normalize import normalize_text

Kind = Literal["danger", "fraud"]


def _any(*alternatives: str) -> str:
    """Whole-token alternatives (tokens are space separated after normalisation; \\b does
    not work inside Devanagari words, whose vowel signs are not word characters)."""
    return r"(?<!\S)(?:" + "|".join(alternatives) + r")(?!\S)"


def _near(first: str, second: str, gap: int = 6) -> str:
    """`first` then `second` within `gap` tokens, in either order."""
    between = rf"(?:\s+\S+){{0,{gap}}}\s+"
    return f"(?:{first}{between}{second}|{second}{between}{first})"


# --- words -------------------------------------------------------------------------------
_SPARK = _any(r"ching?a+ri\w*", r"chingaar\w*", r"chingr\w*", r"spark\w*", r"चिंगार\S*",
              r"चिनगार\S*", r"फुलझड़\S*", r"स्पार्क\S*")
_SMOKE = _any(r"dhu+a+n?", r"dhuan\w*", r"dhuwa+n?", r"dhunwa", r"dhuaa+n", r"dhoo?an",
              r"smoke", r"smoking", r"fumes", r"धु[ंं]?आ[ंं]?", r"धुंवा", r"धुंआ", r"धुवां",
              r"धुआ", r"स्मोक")
_FIRE = _any(r"aag", r"aagi", r"fire", r"flames?", r"burning", r"आग", r"आगि", r"लपट\S*")
_BURN_VERB = _any(r"jal", r"jala", r"jali", r"jale", r"jalne", r"jalna", r"jalat",
                  r"jar(?:at|al|e)", r"burnt", r"burned", r"melt\w*", r"pighal\w*", r"जल",
                  r"जला", r"जली", r"जले", r"जलने", r"जलत", r"जरत", r"जरल", r"पिघल\S*")
_SMELL = _any(r"gandh", r"gand", r"badbu", r"badboo", r"smell\w*", r"mahak", r"bu",
              r"गंध", r"बदबू", r"बू", r"महक", r"स्मेल")
_WIRE = _any(r"taa?r", r"taaro?n?", r"wire", r"wires", r"cable", r"line", r"तार", r"तारों",
             r"वायर", r"केबल", r"लाइन")
_POLE = _any(r"khamba", r"khambha", r"pole", r"खंभा", r"खम्भा", r"खंबा", r"पोल")
_FALLEN = _any(r"gir\w*", r"gr\w*", r"toot\w*", r"tut\w*", r"latak\w*", r"lataq\w*",
               r"jhool\w*", r"jhul\w*", r"fallen", r"fell", r"falling", r"down", r"hanging",
               r"broken", r"snapped", r"loose", r"गिर\S*", r"टूट\S*", r"लटक\S*", r"झूल\S*")
_CURRENT = _any(r"current", r"karant", r"karent", r"krnt", r"करंट", r"करेंट", r"करन्ट")
_SHOCK = _any(r"shock", r"shok", r"jhatka", r"jhatk\w*", r"झटका", r"झटके", r"शॉक", r"शोक",
              r"शाक")
_HIT = _any(r"lag\w*", r"maar\w*", r"mar\w*", r"mara", r"got", r"get\w*", r"giving", r"gave",
            r"लग\S*", r"मार\S*", r"dera|deta|de\s+raha")
_LIVE_PLACE = _any(r"deewar", r"diwar", r"deewal", r"wall", r"body", r"box", r"dibba",
                   r"nal", r"tap", r"दीवार", r"देवाल", r"बॉडी", r"बोडी", r"डिब्बा", r"नल")
_WATER = _any(r"pani", r"paani", r"panee", r"water", r"barish", r"baarish", r"rain",
              r"पानी", r"बारिश", r"बरसात")
_WET = _any(r"ghus\w*", r"bhar\w*", r"tapak\w*", r"bhig\w*", r"bheeg\w*", r"geela", r"gila",
            r"wet", r"leak\w*", r"inside", r"into", r"andar", r"me", r"mein", r"mai", r"m",
            r"घुस\S*", r"भर\S*", r"टपक\S*", r"भीग\S*", r"गीला", r"अंदर", r"में")
_METER = _any(r"meter", r"board", r"mcb", r"switch", r"मीटर", r"बोर्ड", r"स्विच")
#: Something electrical or a place: fire/shock words next to one are never a figure of speech.
_ELECTRICAL = _any(r"meter", r"board", r"mcb", r"switch", r"socket", r"taa?r", r"wire\w*",
                   r"cable", r"khamb\w*", r"pole", r"transformer", r"ghar", r"house",
                   r"home", r"makan", r"dukan", r"shop", r"deewar", r"wall", r"मीटर",
                   r"बोर्ड", r"स्विच", r"तार", r"वायर", r"केबल", r"खंभ\S*", r"खम्भ\S*",
                   r"ट्रांसफार्मर", r"घर", r"मकान", r"दुकान", r"दीवार")
_MONEY = _any(r"bill", r"balance", r"paisa", r"rs", r"recharge", r"kata", r"charge",
              r"kharch\w*", r"rate", r"unit\w*", r"deduction", r"बिल", r"बैलेंस", r"पैसे",
              r"पैसा", r"रुपये", r"रिचार्ज", r"कटा", r"खर्च\S*", r"\d+")

# --- fraud words ---------------------------------------------------------------------------
_CALLER = _any(r"call\w*", r"phone", r"fone", r"message", r"msg", r"sms", r"whatsapp",
               r"aadmi", r"admi", r"koi", r"kisi", r"someone", r"somebody", r"unknown",
               r"anjaan", r"anjan", r"stranger", r"caller", r"person", r"banda", r"log",
               r"कॉल", r"कोल", r"फोन", r"फ़ोन", r"मैसेज", r"मेसेज", r"एसएमएस", r"आदमी",
               r"कोई", r"किसी", r"अनजान", r"व्हाट्सएप", r"लोग")
_SCAM = _any(r"fraud", r"farzi", r"farji", r"fake", r"scam\w*", r"thag\w*", r"dhokha\w*",
             r"dhoka", r"phishing", r"फर्जी", r"फ्रॉड", r"फ्राड", r"ठग\S*", r"धोखा\S*",
             r"नकली")
_PAY = _any(r"paisa", r"pay", r"payment", r"paytm", r"upi", r"bhugtan", r"jama", r"money",
            r"rs", r"amount", r"paid", r"पैसा", r"पैसे", r"पे", r"पेमेंट", r"भुगतान", r"जमा",
            r"यूपीआई")
_DEMAND = _any(r"bhej\w*", r"maang\w*", r"mang\w*", r"bhar\w*", r"dalo", r"daalo",
               r"karo", r"kare", r"asking", r"asked", r"ask\w*", r"send", r"sent", r"demand\w*",
               r"bol\w*", r"keh\w*", r"kah\w*", r"said", r"says", r"told", r"now",
               r"भेज\S*", r"माँग\S*", r"मांग\S*", r"भर\S*", r"डालो", r"करो", r"कहा", r"कह\S*",
               r"बोल\S*")
_LINK = _any(r"link", r"लिंक", r"url", r"qr", r"क्यूआर")
_OTP = _any(r"otp", r"ओटीपी", r"code", r"कोड", r"pin", r"पिन")
_OTP_ASK = _any(r"maang\w*", r"mang\w*", r"puch\w*", r"pooch\w*", r"asking", r"asked",
                r"share", r"bata\w*", r"batao", r"de\s+do", r"diya", r"dedo", r"bol\w*",
                r"माँग\S*", r"मांग\S*", r"पूछ\S*", r"बता\S*", r"दे\s+दो", r"दिया")
_CUT_THREAT = _any(r"kaat\s+de\w*", r"kat\s+ja\w*", r"kaat\s+di\w*", r"kat\s+de\w*",
                   r"kata\s+de\w*", r"cut", r"disconnect\w*", r"काट\s+दे\S*", r"कट\s+जा\S*",
                   r"काट\s+दी\S*")
_URGE = _any(r"abhi", r"turant", r"jaldi", r"tonight", r"now", r"immediately", r"raat",
             r"aaj", r"अभी", r"तुरंत", r"जल्दी", r"रात", r"आज")

_DANGER = re.compile("|".join((
    _SPARK,
    _SMOKE,
    _near(_BURN_VERB, _SMELL, 3),                          # jalne ki badbu, burning smell
    _near(_ELECTRICAL, _BURN_VERB, 4),                     # meter jal gaya, taar jal raha
    _near(_any(r"burning"), _SMELL, 3),
    _near(_WIRE, _FALLEN, 4), _near(_POLE, _FALLEN, 4),    # taar gir gail, wire hanging
    _near(_CURRENT, _HIT, 3),                              # current lag raha
    _near(_CURRENT, _LIVE_PLACE, 4),                       # deewar me current
    _near(_WATER, _near(_WET, _METER, 2), 3),              # meter me pani ghus gaya
    _near(_METER, _any(r"bhig\w*", r"bheeg\w*", r"geela", r"gila", r"wet", r"भीग\S*",
                       r"गीला"), 3),
)))
#: Danger only when not a figure of speech (see the module docstring).
_FIGURATIVE = re.compile("|".join((_FIRE, _near(_SHOCK, _HIT, 4),
                                   _any(r"electric\s+shock", r"electrocut\w*"))))
_FRAUD = re.compile("|".join((
    _near(_SCAM, _any(*[a for a in (r"call\w*", r"phone", r"message", r"msg", r"sms",
                                    r"link", r"number", r"कॉल", r"फोन", r"मैसेज", r"लिंक",
                                    r"नंबर", r"wala", r"वाला")]), 3),
    _near(_CALLER, _near(_PAY, _DEMAND, 4), 8),            # kisi ne call karke paise maange
    _near(_CALLER, _near(_LINK, _any(r"pay\w*", r"paisa", r"bhugtan", r"भुगतान", r"पैसे",
                                      r"पैसा", r"पे"), 4), 8),
    _near(_LINK, _near(_PAY, _DEMAND, 2), 2),              # link pe paise bhejo
    _near(_OTP, _OTP_ASK, 3),                              # OTP maang raha
    _near(_CUT_THREAT, _near(_URGE, _PAY, 4), 4),          # bijli kaat denge, abhi pay karo
)))
#: Our own questions about the official link/app must not look like fraud.
_NOT_FRAUD = re.compile(_any(r"kahan", r"kaha", r"kaise", r"where", r"how", r"kaun\w*",
                             r"which", r"official", r"कहाँ", r"कहां", r"कैसे", r"कौन\S*"))


_SIMILE = _any(r"jaisa", r"jaise", r"jaisi", r"like", r"जैसा", r"जैसे", r"जैसी")


def _figure_of_speech(norm: str) -> bool:
    """A fire/shock word about money: "aag jaisa bill", "bill dekh ke shock laga"."""
    if not re.search(_MONEY, norm):
        return False
    return bool(re.search(_SIMILE, norm)) or not re.search(_ELECTRICAL, norm)


def detect(text: str | None) -> Kind | None:
    """"danger", "fraud" or None for one message. Danger wins when both match (a person
    at risk first; the fraud warning can follow in the conversation)."""
    norm = normalize_text(text or "").lower()
    if not norm.strip():
        return None
    if _DANGER.search(norm):
        return "danger"
    if _FIGURATIVE.search(norm) and not _figure_of_speech(norm):
        return "danger"
    if _FRAUD.search(norm):
        # "recharge link kahan hai", "OTP kaise bataun": asking us, not reporting a caller.
        if (_NOT_FRAUD.search(norm) and not re.search(_SCAM, norm)
                and not re.search(_CALLER, norm)):
            return None
        return "fraud"
    return None
