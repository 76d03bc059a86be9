"""Every transcript under transcripts/ played on SQLite and PostgreSQL (the `engine`
fixture is parametrized over both). A failure prints the whole conversation so far."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from backend.metering.rules import Rules
from bot.i18n import Renderer
from nlu import Parser
from tests.dialogue.runner import Runner, Transcript

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yml"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, engine: Engine, rules: Rules, nlu_parser: Parser,
                    worker_renderer: Renderer) -> None:
    Runner(engine, rules, nlu_parser, worker_renderer).run(Transcript.load(path))
