"""The backend a CLI command works on, built from the environment. Every command module
uses this one, so an unmigrated database is refused the same way everywhere: a message
saying to run `sahayak db upgrade`, not a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from backend.services import Backend


def command_backend() -> Backend:
    from backend.platform import migrate
    from backend.platform.settings import Settings
    from backend.services import build_backend

    settings = Settings()
    problem = migrate.schema_problem(settings.database_url)
    if problem:
        raise click.ClickException(problem)
    return build_backend(settings)
