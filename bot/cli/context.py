"""What every `sahayak` command shares: the components (through click's context object,
built on first use from the composition root) and the one error handler.

Commands take `app: CliApp` with `@pass_app` and ask it for `app.components` or
`app.backend()`; nothing here is built for `sahayak --help`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from backend.services import Backend
    from bot.composition import Components
    from bot.settings import AppSettings

log = logging.getLogger(__name__)


class CliApp:
    """The lazily built components of one CLI run (the group callback stores one in
    `ctx.obj`; tests may store their own, built with `compose(...)`)."""

    def __init__(self, components: Components | None = None,
                 settings: Callable[[], AppSettings] | None = None) -> None:
        if components is not None:
            self.__dict__["components"] = components
            self.__dict__["settings"] = components.settings
        self._load_settings = settings
        self._schema_checked = False

    @cached_property
    def settings(self) -> AppSettings:
        from bot.composition import load_settings

        return (self._load_settings or load_settings)()

    @cached_property
    def components(self) -> Components:
        from bot.composition import compose

        return compose(self.settings)

    def backend(self) -> Backend:
        """The backend, refusing an unmigrated database with a message saying to run
        `sahayak db upgrade` (the same everywhere), not a traceback."""
        if not self._schema_checked:
            from backend.platform import migrate

            problem = migrate.schema_problem(self.settings.database_url)
            if problem:
                raise click.ClickException(problem)
            self._schema_checked = True
        return self.components.backend


pass_app = click.make_pass_decorator(CliApp, ensure=True)


class SahayakGroup(click.Group):
    """The one error handler of every command below it: a domain refusal (unknown CA
    number, ticket closed, ...) or a bad setting is a one-line message and exit code 1,
    never a traceback (`-v` logs the traceback too)."""

    def invoke(self, ctx: click.Context) -> Any:
        from backend.platform.errors import DomainError

        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise click.ClickException(exc.reason) from exc
        except ValueError as exc:  # bad configuration: pydantic, schedules, rates, keys
            log.debug("refused", exc_info=True)
            raise click.ClickException(_config_message(exc)) from exc


def _config_message(exc: ValueError) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return f"bad configuration: {exc}"
    return str(exc)
