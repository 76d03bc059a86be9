""""kal"/"कल" means yesterday or tomorrow; the verb's tense tells which.

Past markers (tha, gaya, hua, kata, था, गया ...) make it yesterday; future markers
(hoga, aayega, karunga, होगा, -ega/-egi/-enge/-गा ...) make it tomorrow. With no marker it
is yesterday: a bare "kal" in a balance/usage question ("kal ka kharcha") means the past.
"""

from __future__ import annotations

import re

from nlu.entities.tokens import Token


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_KAL = frozenset(("kal", "कल"))
_PAST = frozenset(
    _words(
    """
tha thi the gaya hua kata kiya kiye liya diya aaya aayi aya ayi laga lagi chala chali
raha_tha was were did था थी थे गया गई गयी गए हुआ हुई हुए कटा कटी कटे किया लिया दिया आया
आई लगा लगी चला चली
"""
)
)
_FUTURE = frozenset(
    ["hoga", "hogi", "honge", "will", "tomorrow", "होगा", "होगी", "होंगे"]
)
_FUTURE_ROMAN = re.compile(r"^[a-z]{2,}(?:ega|egi|enge|unga|ungi|oge|enge|ayega|aega)$")
_FUTURE_DEV = re.compile(r"^[\u0900-\u097f]{2,}(?:गा|गी|गे)$")

Found = tuple[str, str, int, int]


def _tense(word: str) -> str | None:
    if word in _PAST:
        return "past"
    if word in _FUTURE or _FUTURE_ROMAN.match(word) or _FUTURE_DEV.match(word):
        return "future"
    return None


def find_kal(tokens: list[Token]) -> list[Found]:
    """Each "kal" as a period entity, yesterday or tomorrow by the nearest tense marker."""
    found: list[Found] = []
    words = [t.text for t in tokens]
    for i, word in enumerate(words):
        if word not in _KAL:
            continue
        tense = None
        for j in list(range(i + 1, len(words))) + list(range(i - 1, -1, -1)):
            tense = _tense(words[j])
            if tense:
                break
        found.append(("period", "tomorrow" if tense == "future" else "yesterday", i, i))
    return found
