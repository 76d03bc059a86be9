"""`sahayak link list|remove`: which chats see a connection, and removing one (a consumer
calls 1912 after the "linked to your connection" SMS). Thin callers of
backend.contacts.links; numbers are shown masked."""

from __future__ import annotations

import logging

import click

from bot.cli.context import CliApp, pass_app

log = logging.getLogger(__name__)


@click.group()
def link() -> None:
    """Chats linked to a connection (CA number)."""


def _consumer(session, ca: str) -> int:  # noqa: ANN001 - a Session
    from backend.contacts import links

    consumer_id = links.consumer_id_for_ca(session, ca)
    if consumer_id is None:
        raise click.BadParameter(f"no connection with CA number {ca}", param_hint="CA")
    return consumer_id


@link.command("list")
@click.argument("ca")
@pass_app
def link_list(app: CliApp, ca: str) -> None:
    """Every chat that can see this connection's account."""
    from backend.contacts import links
    from backend.messaging.senders import mask_address

    with app.backend().sessions() as s:
        rows = links.links_for_consumer(s, _consumer(s, ca))
        for r in rows:
            click.echo(f"{r.contact_id}\t{r.channel}\t{mask_address(r.address)}\t{r.method}\t"
                       f"{r.verified_at.isoformat()}")
        if not rows:
            click.echo("no linked chats")


@link.command("remove")
@click.argument("ca")
@click.argument("contact_id", type=int)
@click.option("--staff", required=True, help="Who removes it (logged).")
@pass_app
def link_remove(app: CliApp, ca: str, contact_id: int, staff: str) -> None:
    """Unlink chat CONTACT_ID (see `sahayak link list CA`) from the connection. A
    WhatsApp/SMS chat from the registered mobile itself links again on its next message."""
    from backend.contacts import links

    with app.backend().sessions.begin() as s:
        removed = links.remove_links(s, _consumer(s, ca), [contact_id])
    if not removed:
        raise click.ClickException(f"chat {contact_id} is not linked to CA {ca}")
    log.info("link of contact %s to CA %s removed by %s", contact_id, ca, staff)
    click.echo(f"chat {contact_id} unlinked from CA {ca}")
