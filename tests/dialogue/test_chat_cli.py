"""`sahayak chat` scripted through stdin (not a terminal): one message per line in, the
rendered replies out, and the OTP from the outbox shown for the local demo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from nlu import Parser
from tests.factories import make_consumer


@pytest.fixture
def chat_env(db_url: str, nlu_model_path: Path, nlu_parser: Parser,
             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("NLU_MODEL_PATH", str(nlu_model_path))  # trained by nlu_parser


def test_scripted_chat_whatsapp(chat_env: None, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s, ca="100000201", mobile="+917000000201", balance_paise=45_050)
    result = CliRunner().invoke(main, ["chat", "--as", "+917000000201"],
                                input="mera balance kitna hai\n3\n")
    assert result.exit_code == 0, result.output
    assert "you> mera balance kitna hai" in result.output
    assert "aapka balance ₹450.50 hai" in result.output
    assert "[1] Khapat dekhein" in result.output  # WhatsApp buttons, listed
    assert "Namaste" in result.output  # "3" picked the main menu button


def test_scripted_chat_shows_the_otp_and_links(chat_env: None,
                                               session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        make_consumer(s, ca="100000202", mobile="+917000000202", balance_paise=12_300)
    runner = CliRunner()
    first = runner.invoke(main, ["chat", "--as", "tg-7", "--channel", "telegram"],
                          input="link my account\n100000202\n")
    assert first.exit_code == 0, first.output
    code = re.search(r"OTP:? (\d{6})", first.output)  # in the consumer's language (Hindi)
    assert code, first.output
    second = runner.invoke(main, ["chat", "--as", "tg-7", "--channel", "telegram"],
                           input=f"{code.group(1)}\nwhat is my balance\n")
    assert "Connection linked" in second.output
    assert "CA 100000202 से Telegram चैट जोड़ी गई" in second.output  # the registered mobile is told
    assert "your balance is ₹123.00" in second.output


def test_sms_chat_uses_numbered_lists_and_rs(chat_env: None,
                                             session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        consumer = make_consumer(s, ca="100000203", mobile="+917000000203",
                                 balance_paise=100_00)
        consumer.name = "Ravi Kumar"  # Devanagari anywhere would make the SMS Unicode (and ₹)
    result = CliRunner().invoke(main, ["chat", "--as", "+917000000203", "--channel", "sms"],
                                input="what is my balance\n")
    assert "Rs.100.00" in result.output and "1. See usage" in result.output
