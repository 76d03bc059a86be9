"""Text normalisation shared by the classifier and the entity rules.

Consumers write one word many ways (Devanagari with or without nukta, romanized Hindi in
several spellings, SMS shorthand, elongated letters, emoji). Folding these to one form
makes a small training set go further. Every normalised character remembers the index of
the original character it came from, so entity spans found on the normalised text map
back to the text the user typed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

#: Bump when normalisation changes: it is part of the model hash, forcing a retrain.
NORMALIZER_VERSION = "4"

_DEV_DIGITS = {chr(0x0966 + i): str(i) for i in range(10)}
_NUKTA_PRECOMPOSED = {
    "\u0958": "\u0915",  # क़ -> क
    "\u0959": "\u0916",  # ख़ -> ख
    "\u095a": "\u0917",  # ग़ -> ग
    "\u095b": "\u091c",  # ज़ -> ज
    "\u095c": "\u0921",  # ड़ -> ड
    "\u095d": "\u0922",  # ढ़ -> ढ
    "\u095e": "\u092b",  # फ़ -> फ
    "\u095f": "\u092f",  # य़ -> य
    "\u0929": "\u0928",  # ऩ -> न
    "\u0931": "\u0930",  # ऱ -> र
    "\u0934": "\u0933",  # ऴ -> ळ
}
_CHAR_MAP = {
    **_DEV_DIGITS,
    **_NUKTA_PRECOMPOSED,
    "\u093c": "",  # combining nukta
    "\u0901": "\u0902",  # chandrabindu -> anusvara
    "\u0911": "\u0913",  # ऑ -> ओ (English loans: ऑफ / ओफ)
    "\u0949": "\u094b",  # ॉ -> ो
    "\u0945": "\u0947",  # ॅ -> े
    "\u200c": "",  # ZWNJ
    "\u200d": "",  # ZWJ
    "\ufeff": "",
    "\ufe0f": "",  # emoji variation selector
    "\u20b9": " rs ",  # ₹
    "\u0964": " ",  # danda
    "\u0965": " ",
    # A few emoji carry the whole message; the rest are dropped as symbols.
    "\U0001f44d": " ok ",  # 👍
    "\U0001f44c": " ok ",  # 👌
    "\u2705": " ok ",  # ✅
    "\U0001f44e": " no ",  # 👎
    "\u274c": " no ",  # ❌
    "\U0001f64f": " dhanyavad ",  # 🙏
    "\U0001f44b": " hello ",  # 👋
}

# Whole-token spelling variants -> one form. Keys are already lower-case and squeezed.
VARIANTS: dict[str, str] = {}


def _variants(target: str, *forms: str) -> None:
    for form in forms:
        VARIANTS[form] = target


_variants("bijli", "bijali", "bijlee", "bijlii", "bijly", "bjli", "bizli", "bijlie", "bjlee")
_variants(
    "balance", "balans", "blance", "belence", "balence", "ballance", "balanc", "blnc",
    "bailence", "belance", "balnce", "blns", "bailance", "balace", "balanse", "bal",
    "baalance", "balancee", "blanace", "balence",
)
_variants(
    "recharge", "richarge", "rechage", "recharj", "richarj", "rechrg", "rchg", "recharg",
    "richaarj", "recarge", "richarg", "rechargee", "richage", "rcharge", "rechaarge",
)
_variants("nahi", "nahin", "nhi", "nai", "nahee", "nahii", "nahiin", "nehi", "nhin", "nahiii")
_variants("hai", "h", "he", "hei", "hae", "hy", "haii", "hain")
_variants("kar", "kr")
_variants("karo", "kro", "kariye", "kijiye", "karein", "kare", "kre", "krdo", "kardo")
_variants("karna", "krna", "karana", "krana")
_variants("please", "plz", "pls", "plss", "plzz", "pleas", "plese", "pleez", "plz.", "pliz")
_variants("thanks", "thnx", "thnks", "thanx", "thx", "tnx", "thanku", "thnq", "thanq",
          "tks", "thankss", "thenks", "thankyou", "tysm", "thnku")
_variants("kya", "kyaa", "kyaaa")
_variants("kitna", "kitana", "ktna", "kitnaa", "kitani", "kitni", "kitne")
_variants("mera", "meraa", "mra", "mere", "meri", "mero")
_variants("kyon", "kyun", "kyu", "kiyu", "kyo", "kiyon")
_variants("kaise", "kese", "kaisay", "kaese", "kaisey", "kesay", "kaise", "kaisse")
_variants("paisa", "pesa", "paise", "pese", "paisaa", "paissa", "paisse")
_variants("hoon", "hu", "hun", "hoo", "hooon")
_variants("accha", "acha", "achha", "achchha", "acchaa", "achaa", "accha")
_variants("thik", "theek", "thek", "thhik", "thk", "theekh")
_variants("haan", "haa", "han", "hn", "haanji", "hanji", "haaan")
_variants("shukriya", "sukriya", "shukria", "shukriyaa", "sukria", "shukrya")
_variants("dhanyavad", "dhanyawad", "dhanywad", "dhanyabad", "dhanybad", "dhanyavaad",
          "dhanyawaad", "dhanyvad")
_variants("namaste", "namastey", "nmste", "namastay", "namastee", "namaskar", "namskar")
_variants("bhaiya", "bhaiyya", "bhaiyaa", "bhaia", "bhayia", "bhaiyyaa", "bhaiyaji", "bhai")
_variants("complaint", "complain", "complent", "complant", "cmplnt", "complaine",
          "complane", "complan", "complaints", "complen", "compliant", "complaint")
_variants("shikayat", "sikayat", "shikaayat", "shikayt", "shikayet", "sikayet")
_variants("meter", "metre", "mitar", "meeter", "mtr", "mitter", "meater", "metar")
_variants("mahina", "mahena", "mahine", "mahino", "mahinaa", "mhina", "mahine")
_variants("pichle", "pichhle", "pichale", "pichhale", "pichla", "pichhla", "pichli",
          "pichhli", "pichhala")
_variants("kal", "kl", "kall")
_variants("aaj", "aj", "aaaj")
_variants("abhi", "abi", "abhee", "abhii")
_variants("batao", "btao", "batayo", "bataao", "bataiye", "btaiye", "bataye", "batado",
          "bata", "btaye", "btado", "batayiye", "bataiyee")
_variants("chahiye", "chaiye", "chahie", "chahiyee", "chaahiye", "chahiya", "chiye")
_variants("kata", "kaata", "kaat", "kat", "katt", "kaatna", "katna", "kate", "kati", "kaati")
_variants("raha", "rha", "rhaa", "rhe", "rahe", "rahi", "rhi", "rahaa")
_variants("gaya", "gya", "gyaa", "gayi", "gyi", "gai", "gayee", "gaye", "gye")
_variants("hua", "huwa", "huaa", "hui", "huyi", "huye", "hue")
_variants("light", "lite", "lait", "lyt", "lightt")
_variants("supply", "suply", "supplay", "supplai", "saplai", "sapply")
_variants("install", "instal", "instaal", "istal", "install")
_variants("number", "nmbr", "nambar", "numbr", "num", "nmber", "nbr", "numbar")
_variants("account", "acount", "acct", "acc", "accnt", "akaunt", "khata")
_variants("english", "inglish", "engish", "englsh", "eng")
_variants("angrezi", "angreji", "angrezee", "angreze", "angrezi")
_variants("hindi", "hindee", "hindhi", "hndi")
_variants("ok", "okay", "okk", "okey", "oky", "okie", "okkk", "okayy", "okies")
_variants("yes", "yess", "yup", "yep", "yeah", "yah", "ys")
_variants("hello", "helo", "hlo", "hllo", "hellow", "hellooo", "helloo")
_variants("hi", "hii", "hiii", "hie", "hyy")
_variants("bye", "byee", "bbye", "byeee", "tata")
_variants("rs", "rupees", "rupee", "rupaye", "rupay", "rupye", "rupya", "rupiya", "rupiye",
          "rupaiya", "rupaiye", "rupai", "rupe", "ruppee", "ruppees", "inr", "rupaya", "rup")
_variants("hazaar", "hazar", "hajar", "hajaar", "hazzar", "hzar", "hjar", "hazaar")
# Devanagari spelling variants.
_variants("बैलेंस", "बेलेंस", "बैलंस", "बैलेन्स", "बेलेन्स", "बैलेस", "बेलंस", "बैलन्स")
_variants("रिचार्ज", "रीचार्ज", "रिचाज", "रिचार्च", "रिर्चाज", "रीचाज")
_variants("बिजली", "बीजली", "बिजलि", "बिज़ली")
_variants("नहीं", "नही", "नहि", "नई")
_variants("शिकायत", "सिकायत", "शिकयत")
_variants("कंप्लेंट", "कम्प्लेंट", "कम्प्लेन", "कंप्लेन", "कंपलेंट", "कम्पलेन")
_variants("मीटर", "मिटर", "मीटार")
_variants("रुपये", "रुपए", "रुपया", "रूपये", "रूपए", "रुपैया", "रुपइया", "रूपया", "रु")
_variants("हजार", "हज़ार", "हजारा")

# Regional (Bhojpuri, Maithili, Magahi) forms and chat shorthand, folded to the Hindi word
# the training data knows: "hamar balance ketna ba" reads as "mera balance kitna hai",
# "bijuli nai aabi rahal" as "bijli nahi aa raha", "bjli nhi h" as "bijli nahi hai".
# Only unambiguous tokens: Bhojpuri "ka" (what) stays, Hindi needs it as "of".
_variants("bijli", "bijuli", "bijulee", "bijuri", "bjuli")
_variants("kitna", "ketna", "ketana", "ketni", "ketne", "kitta", "kittna")
_variants("kyon", "kaahe", "kahe", "kaahey", "kahey")
_variants("mera", "hamar", "hamaar", "hamra", "hamre", "humar", "hamro")
_variants("hai", "ba", "baa", "baate", "hawe", "ahi", "chhai")
_variants("nahi", "naikhe", "naikhi", "naikhai", "nahikhe", "naikhaa", "nikhe")
_variants("aa", "aabi", "aabai", "aawat", "aavat", "aawe", "aave", "aabe")
_variants("raha", "rahal", "rahalai", "raheli", "rahle", "rhal")
_variants("gaya", "gail", "gayil", "gel", "gelai", "gaili", "gaile", "gela", "gelo")
_variants("hua", "bhail", "bhel", "bhelai", "bhaili", "bhayil")
_variants("itna", "etna", "etana", "etni", "itta", "ettna")
_variants("batao", "batau", "bataw", "batawa", "batai", "bataib", "btaw")
_variants("aayegi", "ayegi", "aaegi", "aayegee", "aaygi", "aaigi", "aiyegi")
_variants("kab", "kb", "kabb")
_variants("check", "chk", "chck", "chek", "chekk")
_variants("recharge", "rchrg", "rchrj", "rcrg", "rchrge")
_variants("बिजली", "बिजुली", "बिजुरी", "बिजूली")
_variants("कितना", "केतना", "कतना", "केतने", "केतनी")
_variants("क्यों", "काहे", "काहें")
_variants("मेरा", "हमार", "हमर", "हमरा")
_variants("है", "बा", "बाटे", "बाडे", "अछि", "छै")
_variants("नहीं", "नइखे", "नईखे", "नाहीं", "नहिं", "नै")
_variants("गया", "गइल", "गईल", "गेल", "गेलै", "गेलइ")
_variants("हुआ", "भइल", "भईल", "भेल", "भेलै")
_variants("रहा", "रहल", "रहलै")

_KEEP = frozenset(".")
_SPACE = " "


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, for each of its characters, the index in the original."""

    text: str
    offsets: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the original text."""
        if start >= end or not self.offsets:
            return (0, 0)
        return (self.offsets[start], self.offsets[end - 1] + 1)


def _fold_char(ch: str, prev: str, nxt: str) -> str:
    """Map one original character to zero or more normalised characters."""
    mapped = _CHAR_MAP.get(ch)
    if mapped is not None:
        return mapped
    if ch.isascii():
        if ch.isalnum():
            return ch.lower()
        if ch == "." and prev.isdigit() and nxt.isdigit():
            return "."  # decimal point: "1.5k", "Rs 12.50"
        if ch == "," and prev.isdigit() and nxt.isdigit():
            return ""  # thousands separator: "1,000", "1,23,456"
        if ch == "'":
            return ""  # don't -> dont
        return _SPACE
    cat = unicodedata.category(ch)
    if cat[0] in "LMN":
        if "\u0900" <= ch <= "\u097f":
            return ch
        folded = unicodedata.normalize("NFKC", ch).casefold()
        if cat == "Nd":
            return str(unicodedata.digit(ch, "")) or _SPACE
        return folded
    return _SPACE  # punctuation, symbols (emoji), separators, controls


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching and classification, keeping an offset map. Memoised (the
    result is immutable): one message is folded by the parser, the language check, the
    date reader and the dialogue's lexicons, and word lists are folded again and again."""
    chars: list[str] = []
    offsets: list[int] = []
    n = len(text)
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < n else ""
        for out in _fold_char(ch, prev, nxt):
            chars.append(out)
            offsets.append(i)
    chars, offsets = _squeeze(chars, offsets)
    return _retokenize(chars, offsets, text)


def normalize_text(text: str) -> str:
    """Just the normalised string (for features, hashing of examples, dedupe checks)."""
    return normalize(text).text


def _squeeze(chars: list[str], offsets: list[int]) -> tuple[list[str], list[int]]:
    """Collapse runs of 3+ identical letters to one ("hiiii" -> "hi"); digits are kept."""
    out_c: list[str] = []
    out_o: list[int] = []
    i = 0
    n = len(chars)
    while i < n:
        ch = chars[i]
        j = i + 1
        while j < n and chars[j] == ch:
            j += 1
        run = j - i
        if ch == _SPACE or (run >= 3 and not ch.isdigit()):
            out_c.append(ch)
            out_o.append(offsets[i])
        else:
            out_c.extend(chars[i:j])
            out_o.extend(offsets[i:j])
        i = j
    return out_c, out_o


_TOKEN_RE = re.compile(r"[^ ]+")


def _retokenize(chars: list[str], offsets: list[int], original: str) -> Normalized:
    """Single-space the tokens and replace spelling variants, keeping the offsets."""
    joined = "".join(chars)
    out_c: list[str] = []
    out_o: list[int] = []
    for m in _TOKEN_RE.finditer(joined):
        token = m.group()
        start, end = m.start(), m.end()
        replacement = VARIANTS.get(token)
        if out_c:
            out_c.append(_SPACE)
            out_o.append(offsets[start])
        if replacement is None or replacement == token:
            out_c.append(token)
            out_o.extend(offsets[start:end])
        else:
            out_c.append(replacement)
            first, last = offsets[start], offsets[end - 1]
            out_o.extend([first] * (len(replacement) - 1) + [last])
    return Normalized("".join(out_c), tuple(out_o), original)
