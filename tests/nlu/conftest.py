"""NLU fixtures: one model trained per session from the real data, and a tiny data set
for tests of training mechanics (hash, retrain, CLI) that should not depend on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import dataset
from nlu import model as model_io
from nlu.embedded import EmbeddedParser
from nlu.settings import DEFAULT_DATA_DIR, DEFAULT_THRESHOLD

HELDOUT_DIR = Path(__file__).parent / "data" / "heldout"

TINY_NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - namaste ji
    - नमस्ते
    - good morning
    - pranam bhaiya
- intent: check_balance
  examples: |
    - mera balance kitna hai
    - what is my balance
    - बैलेंस बताओ
    - CA [123456789](ca_number) ka balance
    - balance check karo
    - how much credit is left
- intent: file_complaint
  examples: |
    - meter [tez chal raha]{"entity": "complaint_category", "value": "high_deduction"}
    - I want to file a complaint
    - शिकायत दर्ज करो
    - bijli nahi aa rahi complaint
    - [recharge not credited]{"entity": "complaint_category", "value": "recharge_not_credited"}
    - complaint karna hai
- synonym: high_deduction
  examples: |
    - zyada kat raha
"""


@pytest.fixture(scope="session")
def training_data() -> dataset.TrainingData:
    return dataset.load(DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def heldout_data() -> dataset.TrainingData:
    return dataset.load(HELDOUT_DIR)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> model_io.NluModel:
    """The real model, trained once per session into a temporary file."""
    path = tmp_path_factory.mktemp("nlu") / "model.joblib"
    trained = model_io.train_from_dir(DEFAULT_DATA_DIR)
    model_io.save(trained, path)
    return trained


@pytest.fixture(scope="session")
def parser(trained_model: model_io.NluModel) -> EmbeddedParser:
    return EmbeddedParser.from_model(trained_model, DEFAULT_THRESHOLD)


@pytest.fixture
def tiny_data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "nlu").mkdir(parents=True)
    (root / "nlu" / "tiny.yml").write_text(TINY_NLU, encoding="utf-8")
    return root
