"""`sahayak` starts fast: listing the commands imports none of the heavy stacks (database
ORM, web framework, provider SDKs, scikit-learn/SciPy/numpy), and loading the NLU model
for a chat needs numpy but not scikit-learn. Checked in fresh interpreters, by module
names rather than by timing (timing is benchmarks/cli_startup.py's job)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy", "numpy", "sqlalchemy.orm", "backend.models", "fastapi",
         "telegram", "twilio", "uvicorn", "nlu.evaluate")


def _loaded_after(code: str) -> set[str]:
    probe = (f"{code}\nimport sys\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_help_imports_none_of_the_heavy_stacks() -> None:
    loaded = _loaded_after("from click.testing import CliRunner\nfrom bot.cli import main\n"
                           "assert 'Commands:' in CliRunner().invoke(main, ['--help']).output")
    assert loaded == set()


def test_a_subcommand_help_imports_none_either() -> None:
    loaded = _loaded_after("from click.testing import CliRunner\nfrom bot.cli import main\n"
                           "for group in ('nlu', 'broadcast', 'chat', 'serve'):\n"
                           "    CliRunner().invoke(main, [group, '--help'])")
    assert loaded == set()


def test_the_parser_needs_no_scikit_learn_until_it_trains() -> None:
    loaded = _loaded_after("import nlu.embedded, nlu.factory, nlu.model\n"
                           "import bot.composition, bot.cli.chat")
    assert not loaded & {"sklearn", "scipy", "nlu.evaluate"}
