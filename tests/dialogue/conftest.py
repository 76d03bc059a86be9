"""Dialogue fixtures: one NLU model trained per test session into a temporary directory
(never into the repository's var/), shared by every transcript."""

from __future__ import annotations

import pytest

from nlu import NluSettings, Parser, build_parser


@pytest.fixture(scope="session")
def nlu_parser(tmp_path_factory: pytest.TempPathFactory) -> Parser:
    model = tmp_path_factory.mktemp("nlu") / "model.joblib"
    parser = build_parser(NluSettings(model_path=model))
    parser.parse("namaste")  # train now, not inside the first transcript
    return parser
