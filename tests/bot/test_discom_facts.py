"""Point 12: discom facts from configuration. The production start-up check refuses demo
placeholders with one error naming every key; per-discom facts are said once when shared
and labelled by region when not; helpline questions are recognised in short messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.composition import compose
from bot.dialogue.config import DEFAULT_ASSISTANT_FILE, ConfigError, load_assistant_config
from bot.dialogue.facts import each
from bot.dialogue.helpline import asks_helpline
from bot.dialogue.placeholders import link_problem, phone_problem, placeholder_problems
from tests.servers import clear_settings_env, filled_assistant_file, make_settings


def test_shipped_file_has_both_bihar_discoms() -> None:
    config = load_assistant_config()
    north, south = config.discom("nbpdcl"), config.discom("SBPDCL")
    assert north is not None and south is not None
    assert "nbpdcl.co.in" in north.recharge_website and "sbpdcl" not in north.recharge_website
    assert "sbpdcl.co.in" in south.recharge_website
    assert north.region_in("hi") == "उत्तर बिहार" and south.region_in("en") == "South Bihar"
    assert config.helpline == "1912"


def test_shipped_placeholders_are_listed_with_their_keys() -> None:
    problems = placeholder_problems(load_assistant_config())
    assert len(problems) == 2, problems
    assert problems[0].startswith("app.android = ") and "placeholder" in problems[0]
    assert problems[1].startswith("app.ios = ") and "dummy App Store id" in problems[1]


def test_every_kind_of_placeholder_is_caught(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_ASSISTANT_FILE.read_text(encoding="utf-8"))
    raw["helpline"] = ""
    raw["app"]["android"] = "https://play.google.com/store/apps/details?id=com.example.app"
    raw["discoms"]["NBPDCL"]["website"] = "https://www.example.com"
    raw["discoms"]["NBPDCL"]["phones"] = ["0000000000", "0612-2504040"]
    raw["discoms"]["SBPDCL"]["app"] = {"ios": "https://apps.apple.com/in/app/x/id000"}
    path = tmp_path / "a.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    keys = [p.split(" = ")[0] for p in placeholder_problems(load_assistant_config(path))]
    assert keys == ["helpline", "app.android", "app.ios", "discoms.NBPDCL.website",
                    "discoms.NBPDCL.phones[0]", "discoms.SBPDCL.app.ios"]


@pytest.mark.parametrize(("value", "why"), [
    ("", "empty"), ("sbpdcl.co.in", "not a web link"),
    ("https://x.invalid/pay", "an example address"),
    ("https://pay.example.org", "an example address"), ("TODO: link", "a placeholder"),
    ("https://apps.apple.com/in/app/bihar/id0000000000", "a dummy App Store id"),
    ("https://sbpdcl.co.in/#/QuickPay", None), ("https://nbpdcl.co.in", None),
])
def test_link_problem(value: str, why: str | None) -> None:
    assert link_problem(value) == why


def test_phone_problem() -> None:
    assert phone_problem("1912") is None and phone_problem("0612-2504040") is None
    assert phone_problem("000-000") == "a placeholder" and phone_problem("TBD") == "a placeholder"


def test_production_start_refuses_placeholders_in_one_error(db_url: str, tmp_path: Path) -> None:
    production = compose(make_settings(db_url))
    with pytest.raises(ConfigError) as refused:
        production.refuse_demo_placeholders()
    message = str(refused.value)
    assert "APP_ENV=production" in message and "ASSISTANT_FILE" in message
    assert "app.android" in message and "app.ios" in message and "APP_ENV=demo" in message
    compose(make_settings(db_url, app_env="demo")).refuse_demo_placeholders()  # demo: fine
    filled = make_settings(db_url, assistant_file=filled_assistant_file(tmp_path))
    compose(filled).refuse_demo_placeholders()  # filled in: fine


def test_serve_in_production_exits_with_the_list(db_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from click.testing import CliRunner

    from bot.cli import main

    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: None)
    result = CliRunner().invoke(main, ["serve"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 1
    assert "app.ios" in result.output and "id0000000000" in result.output
    demo = CliRunner().invoke(main, ["serve"], env={"DATABASE_URL": db_url, "APP_ENV": "demo",
                                                    "SCHEDULER_EMBEDDED": "0"})
    assert demo.exit_code == 0, demo.output


def test_each_says_a_shared_value_once_and_labels_different_ones() -> None:
    config = load_assistant_config()
    both = list(config.discoms.values())
    assert each(both, "android", "hi") == config.app_android
    assert each(both, "website", "hi-Latn") == ("https://nbpdcl.co.in (Uttar Bihar), "
                                                "https://sbpdcl.co.in (Dakshin Bihar)")
    assert each([config.discoms["NBPDCL"]], "website", "en") == "https://nbpdcl.co.in"


def test_older_one_discom_file_still_loads(tmp_path: Path) -> None:
    old = tmp_path / "old.yml"
    old.write_text("helpline: '1912'\ndiscom_website: https://sbpdcl.co.in\n"
                   "app: {name: a, android: https://p.in/a, ios: https://a.in/b}\n"
                   "recharge: {channels: [app], website: https://sbpdcl.co.in/pay}\n")
    config = load_assistant_config(old)
    assert config.recharge_website == "https://sbpdcl.co.in/pay"
    assert config.discom_website == "https://sbpdcl.co.in"


@pytest.mark.parametrize("text", [
    "helpline", "helpline number kya hai", "Helpline no?", "हेल्पलाइन नंबर",
    "हेल्पलाइन नंबर क्या है", "customer care number", "customer care ka number do",
    "toll free number batao", "bijli vibhag ka number", "बिजली विभाग का नंबर दीजिए",
])
def test_asks_helpline(text: str) -> None:
    assert asks_helpline(text)


@pytest.mark.parametrize("text", [
    "helpline pe call kiya par koi nahi uthata, 2 din se bijli nahi hai ghar me",
    "mera balance kitna hai", "complaint", "helpline number 100000602 ka balance",
    "मेरा नंबर बदलना है",
])
def test_not_a_helpline_question(text: str) -> None:
    assert not asks_helpline(text)
