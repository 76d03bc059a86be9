"""Per-message language: ``hi`` (Devanagari), ``hi-Latn`` (romanized Hindi) or ``en``.

Messages are often one to three words, too short for a statistical identifier alone, so
the decision is lexicon first (romanized Hindi function words vs English function words,
weighted), then character n-gram evidence for unknown words. Domain words both languages
use ("balance", "recharge", "meter", "bill", "app", "ok", "sir") count for neither.
Ties go to English: a lone "balance", "recharge", "hi" or "hello" is ``en``; the dialogue
keeps the contact's stored language for such messages anyway.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from nlu.normalize import normalize_text
from nlu.types import Language


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())

_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_WORD = re.compile(r"[a-z]+")

# Romanized Hindi words, with a weight (how surely they are Hindi, not English).
_HI_STRONG = _words(
    """
hai hain kya kyon kaise kaisa kaisi kab kahan kidhar kitna mera meri mere hamara humara
hamko humko hamein humein mujhe muje mujhko aap aapka aapki aapke tum tumhara unka uska
nahi mat haan ji bhaiya didi sahab babu bhaisahab batao bataiye karo karna karein kijiye
kiya kiye diya diye liya gaya hua raha tha thi the hoga hogi hoge hoon hu ho hota hoti
aur bhi lekin magar kyunki isliye phir fir abhi aaj kal parso subah shaam raat din
mahina hafta saal pichle agle wala wali wale chahiye chahta chahti sakta sakti sakte
milega milegi mila mili aaya aayi aaye aa rahi rahe jata jati jaye jaaye dena dedo karwa
karwana paisa kata kaat katna jama bhara bharna kuch sab sabhi koi kaun kisko
kiska yeh ye woh wo yahan wahan idhar udhar accha thik shukriya dhanyavad namaste theek
bahut zyada jyada jada kam thoda sirf bas matlab samajh samjha samjhao pata shikayat
darj dijiye dijie kariye chalu band bandh laga lagi lage lagta lagti hui gayi kab tak
jaldi bilkul zaroor jarur nahin bolo boliye bol suno sunie ghar mein mai wapas wapis
dobara phir se bhej bhejo bhejiye mangta maango milta dikhao dikha dikhaiye rupaye
hazaar sau lakh ek teen char paanch chhe saat aath nau das angrezi hindi madad sahayata
chahie karke karenge karunga karungi denge dunga aayega aayegi jayega ayega hamesha
turant jaldi khatam khtm khata alvida chalo chaliye achha baat upbhokta upabhokta naya
purana purani nayi bata ga gyi
"""
)
_HI_WEAK = _words(
    """
to ka ki ke ko se me main par pe na ha bhai do de le kar bijli
"""
)

_EN_STRONG = _words(
    """
the is are was were am be been being my your our their his her its what when where why
how which who whom this that these those there here have has had do does did will would
shall should can could may might must not and but or because if then than with without
from into about you yes no hey goodbye good morning evening night today yesterday
unable able login logout crash crashes open opening coming
tomorrow month week last next much many how amount money paid pay want need check show
tell know give send get got stop start change language english electricity why again
sure fine great nice high low fast slow wrong working not still since after before
already done did didn't dont can't cannot i me we us it they them an a of on in at for
to by up out off any some all
"""
)
# Polite English words that Hinglish uses freely ("thanks ji", "sorry bhaiya"): weak.
_EN_WEAK = ["please", "thanks", "thank", "sorry", "hello", "bye", "help", "okay", "welcome"]
_NEUTRAL = _words(
    """
balance recharge meter bill app ok sir madam mam ca id no light smart prepaid otp upi rs
sms whatsapp mobile phone online paytm phonepe gpay website helpline customer care
number complaint status account link connection supply cut power
"""
)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    """word -> log-odds for Hindi (positive) vs English (negative); built on first use."""
    lex: dict[str, float] = {}
    for w in _EN_STRONG:
        lex[normalize_text(w)] = -2.0
    for w in _EN_WEAK:
        lex[normalize_text(w)] = -1.0
    for w in _HI_WEAK:
        lex[normalize_text(w)] = 0.5
    for w in _HI_STRONG:
        lex[normalize_text(w)] = 2.0
    for w in _NEUTRAL:
        lex[normalize_text(w)] = 0.0
    # Words both lists share ("hindi", "to", "do", "me"): English vs Hindi both plausible.
    for w in ("hindi", "kal", "no", "do", "me", "main"):
        lex.pop(w, None)
    lex["hindi"] = 0.0
    return lex


# Character trigram model for words outside the lexicon, trained on the word lists.
_HI_NGRAM_TEXT = " ".join(_HI_STRONG) + """
 bijli batti khamba jalna chalana dikkat pareshani baki bakaya katauti jodna judna
 milana lagwana lagana badalna chhodna rokna rukna khulna kholna samay ghanta paanch
 rupiya bhugtan kaatna katega kategi chalegi chalega ladka ladki gaon shahar bazaar
 dukan wala wali lagao karao bhejna dekhna dekho dekhiye suniye kahiye kahna pucho
 poochna jankari khabar sachcha jhootha dhokha thagi farzi
"""
_EN_NGRAM_TEXT = " ".join(_EN_STRONG) + """
 electricity connection disconnected deduction deducted charged charges reading
 balance recharge installed install download register registration problem issue
 working received credited debited payment complaint complaints status update
 customer service support agent human person talk speak unsubscribe subscribe
 thank thanks please weather cricket water gas ration card phone mobile happy hours
 emergency credit rebate units free scheme safety smart meter old new explain why
 showing display burnt sparking fault tomorrow yesterday bill calculation
"""


@lru_cache(maxsize=1)
def _ngram_model() -> tuple[dict[str, float], float]:
    """Trigram log-likelihood ratios (Hindi minus English) with add-one smoothing."""
    def grams(text: str) -> Counter[str]:
        c: Counter[str] = Counter()
        for w in text.split():
            p = f"^{w}$"
            c.update(p[i : i + 3] for i in range(len(p) - 2))
        return c

    hi, en = grams(_HI_NGRAM_TEXT), grams(_EN_NGRAM_TEXT)
    vocab = set(hi) | set(en)
    hi_total, en_total = sum(hi.values()) + len(vocab), sum(en.values()) + len(vocab)
    llr = {
        g: math.log((hi[g] + 1) / hi_total) - math.log((en[g] + 1) / en_total) for g in vocab
    }
    return llr, math.log(en_total / hi_total)


def _ngram_score(word: str) -> float:
    """Average trigram evidence for one unknown word, clipped to stay below lexicon weight."""
    llr, unseen = _ngram_model()
    p = f"^{word}$"
    grams = [p[i : i + 3] for i in range(len(p) - 2)]
    if not grams:
        return 0.0
    score = sum(llr.get(g, unseen * 0.0) for g in grams) / len(grams)
    return max(-1.0, min(1.0, score))


@dataclass(frozen=True)
class LanguageEvidence:
    """How much one message says about its language, for callers that must tell a clear
    sentence from a short or mixed one ("Good morning", "balance check karo please")."""

    language: Language  # what `detect_language` says
    words: int  # words with letters (Devanagari or Latin)
    hindi: float  # summed evidence for Hindi: 2 per Devanagari word, lexicon/n-grams
    english: float  # summed evidence for English (a positive number)


def language_evidence(text: str) -> LanguageEvidence:
    """The evidence behind `detect_language`, split by side; never raises."""
    devanagari = [w for w in (text or "").split() if _DEVANAGARI.search(w)]
    latin = _WORD.findall(normalize_text(_DEVANAGARI.sub(" ", text or "")))
    hindi, english = 2.0 * len(devanagari), 0.0
    for w in latin:
        weight = _weight(w)
        hindi, english = hindi + max(weight, 0.0), english + max(-weight, 0.0)
    return LanguageEvidence(detect_language(text or ""), len(devanagari) + len(latin),
                            hindi, english)


def _weight(word: str) -> float:
    weight = _lexicon().get(word)
    if weight is None:
        weight = _ngram_score(word) if len(word) > 2 else 0.0
    return weight


def detect_language(text: str) -> Language:
    """Language of one message; never raises (empty or symbol-only text is ``en``)."""
    if _DEVANAGARI.search(text):
        return "hi"
    words = _WORD.findall(normalize_text(text))
    if not words:
        return "en"
    score = sum(_weight(w) for w in words)
    return "hi-Latn" if score >= 0.5 else "en"
