"""`sahayak db upgrade|downgrade`: database migrations."""

from __future__ import annotations

import click

from bot.cli.context import CliApp, pass_app


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_app
def db_upgrade(app: CliApp, revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    from backend.platform import migrate

    url = app.settings.database_url
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url)}")


@db.command("downgrade")
@click.argument("revision")
@pass_app
def db_downgrade(app: CliApp, revision: str) -> None:
    """Migrate the database down to REVISION ("base" removes every table)."""
    from backend.platform import migrate

    url = app.settings.database_url
    migrate.downgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url)}")
