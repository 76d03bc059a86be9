"""The anger lexicon: is a message abusive or furious ("bakwas service hai, chor ho tum
log", "loot macha rakhi hai", "बकवास सेवा", "worst service, thieves")? And is it about money?

Deterministic like the safety and small-talk lexicons, on the NLU's normalised text, so
an angry consumer gets one calm line that acknowledges the problem and then the most likely
help, instead of the classifier's guess (often the help text). The abuse itself is never
repeated back: the reply texts contain none of these words.

An accusation of theft ("chor", "loot", "thieves", "cheat") is about money in this setting
(a prepaid balance that went down), so it counts as a money complaint: the day's deduction
explained line by line answers it better than a ticket (docs/ARCHITECTURE.md, "Complaints")."""

from __future__ import annotations

import re

from nlu.normalize import normalize_text


def _any(*alternatives: str) -> re.Pattern[str]:
    """Whole-token alternatives (\\b does not work inside Devanagari words)."""
    return re.compile(r"(?<!\S)(?:" + "|".join(alternatives) + r")(?!\S)")


#: Theft and cheating: angry, and about money.
_THEFT = _any(r"chor\w*", r"chorr?i", r"loot\w*", r"lut(?:a|e|i|na|ne|era|ere)?", r"lootmaar",
              r"dhokha\w*", r"dhoka\w*", r"dhokebaaz\w*", r"fraudi", r"thie(?:f|ves)",
              r"cheat\w*", r"robb\w*", r"scam\w*", r"looters?",
              r"चोर\S*", r"लूट\S*", r"लुटेर\S*", r"धोखा\S*", r"धोखेबाज\S*", r"ठग\S*",
              r"thag\w*")
#: Contempt for the service, and common abuse (matched, never echoed).
_ABUSE = _any(r"bakwa+s", r"bakwaas", r"bekar", r"bekaar", r"ghatiya", r"ghatia",
              r"faltu", r"fattu", r"bewak(?:oo|u)f\w*", r"nikamm?[ae]", r"kamin[ae]\w*",
              r"harami\w*", r"saa?l[ae]", r"kutt?[ae]", r"gadh[ae]", r"bhikhari",
              r"sharam", r"besharam", r"andher\w*", r"lanat",
              r"worst", r"useless", r"pathetic", r"rubbish", r"nonsense", r"shameless",
              r"disgusting", r"horrible", r"terrible", r"idiots?", r"stupid", r"shame",
              r"hopeless", r"bloody", r"damn",
              r"बकवास", r"बेकार", r"घटिया", r"फालतू", r"बेवकूफ\S*", r"निकम्म\S*",
              r"कमीन\S*", r"हरामी\S*", r"साल[ेा]", r"कुत्त\S*", r"गधे", r"शर्म\S*",
              r"बेशर्म\S*", r"अंधेर\S*", r"लानत")
#: Said in anger about the account's money: deductions, not a balance question ("useless
#: bot, what is my balance" is answered with the balance after the plain calm line).
_MONEY = _any(r"pais[ae]", r"rupa?y[ae]\w*", r"rs", r"₹\S*", r"kat\w*", r"kaat\w*", r"kata",
              r"deduct\w*", r"bill", r"money", r"charge[sd]?", r"bhag\w*", r"tez",
              r"पैस\S*", r"रुपय\S*", r"रुपए", r"कट\S*", r"काट\S*", r"बिल", r"चार्ज",
              r"भाग\S*", r"तेज")


def angry(text: str | None) -> bool:
    folded = normalize_text(text or "")
    return bool(_THEFT.search(folded) or _ABUSE.search(folded))


def about_money(text: str | None) -> bool:
    """An angry message about the account's money: a theft accusation or a money word."""
    folded = normalize_text(text or "")
    return bool(_THEFT.search(folded) or _MONEY.search(folded))
