"""The privacy gate: account data only for a contact verified for that consumer.

Every flow that shows balance, usage or recharges asks here first. An unverified contact
gets a short reason and the offer to link, never a number; a phone with several verified
connections picks one first. Either way the original question is remembered (`then`) and
answered as soon as the contact is verified or has picked."""

from __future__ import annotations

from backend.contacts import links
from backend.contacts.links import LinkedConsumer
from bot.dialogue.turn import Turn
from bot.dialogue.types import Option, Reply
from bot.i18n import N_


def require_consumer(turn: Turn, then: str) -> LinkedConsumer | list[Reply]:
    """The consumer to answer about, or the replies that get the contact there."""
    linked = links.linked_consumers(turn.session, turn.contact)
    if not linked:
        # Remember a CA number given with the question: "yes" then sends the code at once.
        turn.state.open("link", "offer", then=then, ca=turn.parse.first("ca_number"))
        return [Reply(N_("account.need_link"),
                      options=(Option(N_("account.link_now"), "yes"),
                               Option(N_("common.no"), "no")))]
    if len(linked) == 1:
        return linked[0]
    for candidate in linked:
        if candidate.consumer_id == turn.contact.active_consumer_id:
            return candidate
    return pick_connection(turn, linked, then)


def pick_connection(turn: Turn, linked: list[LinkedConsumer], then: str | None) -> list[Reply]:
    """A numbered list of the contact's connections (CA number and name)."""
    options = tuple(Option(N_("account.connection_option"), f"select:{c.ca_number}",
                           {"ca": c.ca_number, "name": c.name}) for c in linked)
    turn.state.open("select", "pick", then=then)
    return [Reply(N_("account.pick_connection"), options=options)]
