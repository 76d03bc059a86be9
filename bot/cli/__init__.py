"""`sahayak`: the command line. One module per command group; `COMMANDS` below is the one
list of what `main` offers. Every command gets its parts from the composition root through
click's context (`bot.cli.context`), and errors go through one handler (`SahayakGroup`).

Importing this package (and so `sahayak --help`) imports click and the command modules
only: each command imports the database, the web stack or the NLU model when it runs."""

from __future__ import annotations

import logging

import click

from bot import log_redaction
from bot.cli import (
    alerts,
    broadcast,
    chat,
    conversations,
    db,
    demo,
    links,
    manager,
    metering,
    outbox,
    readings,
    serving,
    staff,
    telegram,
)
from bot.cli.context import CliApp, SahayakGroup, pass_app
from nlu.cli import nlu_group

__all__ = ["COMMANDS", "CliApp", "main", "pass_app"]


@click.group(cls=SahayakGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Bijli Sahayak — assistant for smart prepaid electricity meter consumers."""
    app = ctx.ensure_object(CliApp)
    level = logging.DEBUG if verbose else getattr(logging, app.settings.log_level.upper(),
                                                    logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    log_redaction.install(app.settings, debug=level <= logging.DEBUG)  # no secret in logs


COMMANDS: tuple[click.Command, ...] = (
    db.db, serving.serve, serving.worker, serving.scheduler, demo.demo, metering.metering,
    readings.readings, chat.chat, telegram.telegram, alerts.alerts, staff.outage,
    staff.report, staff.complaint, staff.handoff, broadcast.broadcast, manager.manager,
    outbox.outbox, links.link, nlu_group, conversations.conversations,
)
for _command in COMMANDS:
    main.add_command(_command)
