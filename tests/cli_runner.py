"""Running `sahayak` in-process against one database, for the CLI tests: every command's
output must be free of tracebacks (errors go through the CLI's one handler)."""

from __future__ import annotations

from click.testing import CliRunner, Result

from bot.cli import main


def run(url: str, *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": url})
    assert "Traceback" not in result.output
    return result


def ok(url: str, *args: str) -> Result:
    """The command succeeded (exit code 0)."""
    result = run(url, *args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def fails(url: str, *args: str) -> str:
    """The command refused (a non-zero exit, not a test's own error); its output."""
    result = run(url, *args)
    assert result.exit_code != 0 and not isinstance(result.exception, AssertionError | TypeError)
    return result.output
