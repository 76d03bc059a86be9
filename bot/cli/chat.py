"""`sahayak chat`: talk to the assistant from a terminal, or scripted through stdin."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import click

from bot.cli.context import CliApp, pass_app

#: SMS to the registered mobile that a tester needs to see: the code, and the link notice.
SMS_SHOWN = frozenset({"otp.code", "link.notice", "link.notice_reply"})


@click.command()
@click.option("--as", "address", required=True, metavar="PHONE",
              help="Who you are: a phone (+91…) for whatsapp/sms, a chat id for telegram. "
              "A demo consumer's mobile (sahayak demo accounts) is recognised at once.")
@click.option("--channel", type=click.Choice(["whatsapp", "sms", "telegram"]),
              default="whatsapp", show_default=True,
              help="Which channel to pretend to be: buttons, SMS numbered lists and Rs.")
@pass_app
def chat(app: CliApp, address: str, channel: str) -> None:
    """Talk to the assistant against the local database (DATABASE_URL).

    Interactive on a terminal; otherwise reads one message per line from stdin and prints
    the replies, so conversations can be scripted. One-time codes go to the outbox; here
    they are printed too, as this is the local demo (or run `sahayak worker`)."""
    import uuid

    from backend.messaging import tail
    from bot.dialogue.types import SMS, TELEGRAM, WHATSAPP, InboundMessage

    if logging.getLogger().level > logging.DEBUG:  # identity/NLU info lines clutter a chat
        logging.getLogger().setLevel(logging.WARNING)
    capabilities = {"whatsapp": WHATSAPP, "sms": SMS, "telegram": TELEGRAM}[channel]
    backend = app.backend()
    components = app.components
    with backend.sessions() as session:
        seen = tail.last_id(session)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Bijli Sahayak chat as {address} on {channel}. Type a message; numbers "
                   "pick options; Ctrl-D or /quit to leave.")
    assistant = components.assistant  # the NLU model loads on the first message
    for text in _lines(interactive):
        if text.strip() in ("/quit", "/exit"):
            break
        if not text.strip():
            continue
        message = InboundMessage(channel=channel, address=address, text=text,  # type: ignore[arg-type]
                                 message_id=uuid.uuid4().hex, received_at=components.clock())
        answer = assistant.respond(message, capabilities)
        if not interactive:
            click.echo(f"you> {text}")
        for out in answer.rendered:
            click.echo("bot> " + out.text.replace("\n", "\n     "))
            if out.buttons:
                click.echo("     " + "  ".join(f"[{i}] {label}"
                                               for i, (label, _) in enumerate(out.buttons, 1)))
        with backend.sessions() as session:
            queued = tail.queued_after(session, seen)
        for item in queued:
            seen = item.id
            if item.message_key in SMS_SHOWN:
                body = components.renderer.text(item.message_key, item.language, item.params)
                click.echo(f"     (SMS to the registered mobile, from the outbox: {body})")


def _lines(interactive: bool) -> Iterator[str]:
    """The user's lines: prompted on a terminal, else read from stdin until its end."""
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        yield line.rstrip("\n")
