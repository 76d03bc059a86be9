"""`sahayak conversations show`: a contact's conversation log (backend/contacts/log.py), for
an operator until the staff pages read it. Times in the configured zone; one-time codes
were blanked before they were stored."""

from __future__ import annotations

import click

from bot.cli.context import CliApp, pass_app


@click.group()
def conversations() -> None:
    """The conversation log: what contacts wrote and what they were sent."""


@conversations.command("show")
@click.option("--contact", "contact_id", type=int, required=True, help="Contact id "
              "(sahayak handoff list shows those waiting for a person).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="How many of the latest messages.")
@pass_app
def show(app: CliApp, contact_id: int, limit: int) -> None:
    from backend.contacts.log import for_contact

    backend = app.backend()
    with backend.sessions() as s:
        entries = for_contact(s, contact_id, limit=limit)
    if not entries:
        click.echo(f"no messages logged for contact {contact_id}")
        return
    for e in entries:
        when = e.created_at.astimezone(backend.tz).strftime("%Y-%m-%d %H:%M")
        if e.direction == "in":
            about = f"{e.intent or '-'} {e.confidence or 0:.2f} {e.language or '-'}"
            who = "waiting  " if e.during_handoff else "contact  "
        else:
            about = f"{e.reply_key or '-'} {e.language or '-'}"
            who = "outbox   " if e.outbox_id is not None else "bot      "
        body = (e.text or "").replace("\n", "\n" + " " * 27)
        click.echo(f"{when}  {who} [{about}]\n{' ' * 27}{body}")
