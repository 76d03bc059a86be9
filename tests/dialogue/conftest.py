"""Dialogue fixtures: one NLU model trained per test session into a temporary directory
(never into the repository's var/), shared by every transcript and the chat CLI test."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import NluSettings, Parser, build_parser


@pytest.fixture(scope="session")
def nlu_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu") / "model.joblib"


@pytest.fixture(scope="session")
def nlu_parser(nlu_model_path: Path) -> Parser:
    parser = build_parser(NluSettings(model_path=nlu_model_path))
    parser.parse("namaste")  # train (and save) now, not inside the first transcript
    return parser
