"""The discom facts a reply quotes (recharge page, website, app links, office numbers),
for the connection this conversation is about.

North and South Bihar have different websites and numbers (bot/data/assistant.yml,
`discoms:`); a consumer's discom follows from its circle. A contact not linked to a
connection (or linked to connections of both discoms, none chosen) gets every discom's
value, each labelled with its region in the reply's language, kept short: a value all
discoms share is said once."""

from __future__ import annotations

from collections.abc import Sequence

from backend.contacts import links
from bot.dialogue.config import DiscomFacts
from bot.dialogue.turn import Turn


def discoms_for(turn: Turn) -> list[DiscomFacts]:
    """The consumer's discom's facts, or every configured discom's when it is unknown."""
    config = turn.config
    known = [f for code in links.discom_codes(turn.session, turn.contact)
             if (f := config.discom(code)) is not None]
    return known if len(known) == 1 else list(config.discoms.values())


def each(discoms: Sequence[DiscomFacts], attr: str, language: str) -> str:
    """One fact over `discoms`: the value if they share it, else "value (region), …"."""
    values = [(str(getattr(d, attr)), d.region_in(language)) for d in discoms]
    if len({v for v, _ in values}) <= 1:
        return values[0][0] if values else ""
    return ", ".join(f"{value} ({region})" for value, region in values)


def fact_params(turn: Turn, *, website: str = "website") -> dict[str, str]:
    """Catalog params for links: `app`, `android`, `ios`, `helpline` and `website` (the
    discom's `website`, or with website="recharge_website" its recharge page)."""
    config, discoms, lang = turn.config, discoms_for(turn), turn.language
    return {"app": config.app_name, "helpline": config.helpline,
            "android": each(discoms, "android", lang), "ios": each(discoms, "ios", lang),
            "website": each(discoms, website, lang)}
