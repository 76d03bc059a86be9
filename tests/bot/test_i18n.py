"""Catalogs (complete, consistent, right script), rendering, SMS awareness, `make i18n`.

The catalog checks read the real `locales/` files: they fail when a key lacks a
translation or its placeholders differ between languages. Rendering is tested against
small catalogs written here, so flows can change the real texts freely."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.dialogue.types import CONSOLE, SMS, TELEGRAM, WHATSAPP, Capabilities, Option, Reply
from bot.formatting import Money, Units
from bot.i18n import N_
from bot.i18n.catalog import LANGUAGES, LOCALES_DIR, Catalogs, locale_dir_name, po_path
from bot.i18n.rendering import (
    Msg,
    Renderer,
    normalize_language,
    option_for_number,
    placeholders,
)
from bot.i18n.sms import encoding, is_gsm7, length, segments, to_gsm_safe
from bot.i18n.sync import sync

REPO = Path(__file__).resolve().parents[2]
DEVANAGARI = re.compile("[\u0900-\u097f\ua8e0-\ua8ff]")
INITIAL_KEYS = [
    "menu.title", "menu.option.balance", "menu.option.usage", "menu.option.recharge",
    "menu.option.app", "menu.option.complaint", "menu.option.language", "menu.option.human",
    "common.fallback", "common.fallback_human", "common.cancelled", "common.please_type",
    "common.error", "common.yes", "common.no",
]


# -- the real catalogs ----------------------------------------------------------------
def _entries(root: Path, language: str) -> dict[str, str]:
    """Every key in a .po, translated or not (runtime loading drops the empty ones)."""
    with po_path(language, root).open("rb") as f:
        catalog = read_po(f)
    return {str(m.id): str(m.string or "") for m in catalog if m.id}


def _fuzzy(root: Path, language: str) -> list[str]:
    with po_path(language, root).open("rb") as f:
        return [str(m.id) for m in read_po(f) if m.id and m.fuzzy]


CATALOGS = {language: _entries(LOCALES_DIR, language) for language in LANGUAGES}
ALL_KEYS = sorted(set().union(*CATALOGS.values()))


def untranslated(catalogs: Mapping[str, Mapping[str, str]]) -> list[str]:
    keys = set().union(*catalogs.values())
    return sorted(f"{lang}: {k}" for lang, texts in catalogs.items() for k in keys
                  if not texts.get(k, "").strip())


def placeholder_mismatches(catalogs: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Keys whose {fields} differ between languages, or that use positional fields."""
    problems = []
    for key in sorted(set().union(*catalogs.values())):
        found = {lang: placeholders(texts[key]) for lang, texts in catalogs.items()
                 if texts.get(key)}
        if len(set(found.values())) > 1:
            problems.append(f"{key}: {found}")
        if any(not n.isidentifier() for names in found.values() for n in names):
            problems.append(f"{key}: positional field, use a {{name}}")
    return problems


def test_initial_keys_are_in_every_catalog() -> None:
    for language in LANGUAGES:
        assert set(INITIAL_KEYS) <= set(CATALOGS[language]), language


def test_every_key_is_translated_in_every_language() -> None:
    assert untranslated(CATALOGS) == []


def test_no_fuzzy_entries() -> None:
    assert [(lang, _fuzzy(LOCALES_DIR, lang)) for lang in LANGUAGES
            if _fuzzy(LOCALES_DIR, lang)] == []


def test_placeholders_are_identical_across_languages() -> None:
    assert placeholder_mismatches(CATALOGS) == []


def test_placeholder_checks_catch_a_forgotten_field() -> None:
    bad = {"hi": {"a": "{x} और {y}"}, "hi-Latn": {"a": "{x} aur"}, "en": {"a": "{x} and {y}"}}
    assert placeholder_mismatches(bad) and placeholder_mismatches({"en": {"b": "{} {0}"}})
    assert untranslated({"hi": {"a": ""}, "en": {"a": "x"}}) == ["hi: a"]


def _without_fields(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", text)


@pytest.mark.parametrize("key", ALL_KEYS)
def test_scripts(key: str) -> None:
    hi = _without_fields(CATALOGS["hi"].get(key, ""))
    if any(c.isalpha() for c in hi):
        assert DEVANAGARI.search(hi), f"hi text of {key} is not Devanagari: {hi!r}"
    for language in ("hi-Latn", "en"):
        text = CATALOGS[language].get(key, "")
        assert not DEVANAGARI.search(text), f"{language} text of {key} has Devanagari"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_latin_texts_stay_gsm7_on_sms(key: str) -> None:
    """Romanized Hindi exists for cheap SMS: an emoji or a stray Unicode letter would make
    the whole SMS UCS-2 (70 characters a part). ₹ and smart quotes are fixed at render."""
    for language in ("hi-Latn", "en"):
        text = CATALOGS[language].get(key, "")
        assert is_gsm7(to_gsm_safe(text)), f"{language} {key}: {text!r} is not GSM-7"


def test_keys_marked_in_code_are_in_the_catalogs() -> None:
    marked: set[str] = set()
    for folder in ("bot", "backend"):
        for _file, _line, key, _comments, _ctx in extract_from_dir(
                REPO / folder, [("**.py", "python")], keywords={"N_": None}):
            if isinstance(key, str):
                marked.add(key)
    for language in LANGUAGES:
        assert sorted(marked - set(CATALOGS[language])) == [], language


def test_real_menu_on_sms_in_romanized_hindi_is_one_gsm7_segment() -> None:
    options = tuple(Option(k, k.rsplit(".", 1)[1]) for k in INITIAL_KEYS[1:4])
    out = Renderer().render(Reply(N_("menu.title"), options=options), "hi-Latn", SMS)
    assert (out.encoding, out.segments) == ("GSM-7", 1)
    assert "1. Balance" in out.text


# -- rendering on small catalogs ------------------------------------------------------
TEXTS: dict[str, dict[str, str]] = {
    "t.balance": {"hi": "आपका बैलेंस {amount} है ({when} तक)।",
                  "hi-Latn": "Aapka balance {amount} hai ({when} tak).",
                  "en": "Your balance is {amount} (as of {when})."},
    "t.used": {"hi": "{day} को {used} खर्च हुए", "hi-Latn": "{day} ko {used} kharch hue",
               "en": "{used} used on {day}"},
    "t.count": {"hi": "{n} शिकायतें", "hi-Latn": "{n} shikayatein", "en": "{n} complaints"},
    "t.filed": {"hi": "शिकायत दर्ज: {category}", "hi-Latn": "Shikayat darj: {category}",
                "en": "Complaint filed: {category}"},
    "t.cat": {"hi": "बिजली नहीं", "hi-Latn": "Bijli nahi", "en": "No supply"},
    "t.quote": {"hi": "“ठीक” — हाँ", "hi-Latn": "“Theek” — haan…", "en": "“OK” — yes…"},
    "t.only_en": {"en": "English only"},
    "t.bad": {"hi": "टूटा {} टेम्पलेट", "en": "Fixed {name}"},
    "t.pick": {"hi": "चुनिए:", "hi-Latn": "Chuniye:", "en": "Pick one:"},
    "common.yes": {"hi": "हाँ", "hi-Latn": "Haan", "en": "Yes"},
    "common.no": {"hi": "नहीं", "hi-Latn": "Nahi", "en": "No"},
    **{f"o.{i}": {"hi": f"विकल्प {i}", "hi-Latn": f"Vikalp {i}", "en": f"Option {i}"}
       for i in range(1, 6)},
}


def write_catalogs(root: Path, texts: Mapping[str, Mapping[str, str]]) -> None:
    for language in LANGUAGES:
        catalog = Catalog(locale=locale_dir_name(language), fuzzy=False)
        for key, by_lang in texts.items():
            if language in by_lang:
                catalog.add(key, by_lang[language])
        path = po_path(language, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog)


@pytest.fixture
def renderer(tmp_path: Path) -> Renderer:
    write_catalogs(tmp_path, TEXTS)
    return Renderer(Catalogs(tmp_path), defaults={"helpline": "1912"})


NOW = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 19:30 IST
BALANCE = {"amount": Money(12345650), "when": datetime(2026, 11, 27, 12, 0, tzinfo=UTC)}


def options(n: int) -> tuple[Option, ...]:
    return tuple(Option(f"o.{i}", f"v{i}") for i in range(1, n + 1))


@pytest.mark.parametrize(("language", "caps", "expected", "enc"), [
    ("hi", WHATSAPP, "आपका बैलेंस ₹1,23,456.50 है (शाम 5:30 तक)।", "UCS-2"),
    ("hi", SMS, "आपका बैलेंस ₹1,23,456.50 है (शाम 5:30 तक)।", "UCS-2"),  # UCS-2 anyway
    ("hi-Latn", SMS, "Aapka balance Rs.1,23,456.50 hai (shaam 5:30 tak).", "GSM-7"),
    ("hi-Latn", WHATSAPP, "Aapka balance ₹1,23,456.50 hai (shaam 5:30 tak).", "UCS-2"),
    ("en", SMS, "Your balance is Rs.1,23,456.50 (as of 5:30 PM).", "GSM-7"),
    ("en", TELEGRAM, "Your balance is ₹1,23,456.50 (as of 5:30 PM).", "UCS-2"),
])
def test_money_and_time_per_language_and_channel(renderer: Renderer, language: str,
                                                 caps: Capabilities, expected: str,
                                                 enc: str) -> None:
    out = renderer.render(Reply("t.balance", BALANCE), language, caps, now=NOW)
    assert (out.text, out.encoding, out.segments) == (expected, enc, 1)


def test_datetime_on_another_day_shows_the_date(renderer: Renderer) -> None:
    later = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    out = renderer.render(Reply("t.balance", BALANCE), "hi", CONSOLE, now=later)
    assert out.text == "आपका बैलेंस ₹1,23,456.50 है (27 नवंबर 2026, शाम 5:30 तक)।"


@pytest.mark.parametrize(("language", "expected"), [
    ("hi", "27 नवंबर 2026 को 12.5 यूनिट खर्च हुए"),
    ("hi-Latn", "27 Nov 2026 ko 12.5 unit kharch hue"),
    ("en", "12.5 units used on 27 Nov 2026"),
])
def test_dates_and_units(renderer: Renderer, language: str, expected: str) -> None:
    params = {"day": date(2026, 11, 27), "used": Units(12500)}
    assert renderer.text("t.used", language, params) == expected


def test_ints_grouped_nested_messages_and_bools(renderer: Renderer) -> None:
    assert renderer.text("t.count", "en", {"n": 123456}) == "1,23,456 complaints"
    assert renderer.text("t.filed", "hi", {"category": Msg("t.cat")}) == "शिकायत दर्ज: बिजली नहीं"
    assert renderer.text("t.filed", "en", {"category": True}) == "Complaint filed: Yes"
    assert renderer.text("t.filed", "en", {"category": "CA 102345678"}).endswith("102345678")


def test_language_is_per_call(renderer: Renderer) -> None:
    texts = [renderer.text("t.cat", lang) for lang in ("hi", "en", "hi-Latn", "hi")]
    assert texts == ["बिजली नहीं", "No supply", "Bijli nahi", "बिजली नहीं"]


@pytest.mark.parametrize(("caps", "n", "buttons"), [
    (WHATSAPP, 3, True), (WHATSAPP, 4, False), (TELEGRAM, 5, True), (SMS, 2, False),
    (CONSOLE, 2, False),
])
def test_options_become_buttons_or_a_numbered_list(renderer: Renderer, caps: Capabilities,
                                                   n: int, buttons: bool) -> None:
    out = renderer.render(Reply("t.pick", options=options(n)), "hi", caps)
    if buttons:
        assert out.text == "चुनिए:"
        assert out.buttons == tuple((f"विकल्प {i}", f"v{i}") for i in range(1, n + 1))
    else:
        gap = "\n" if caps.unicode_costly else "\n\n"
        listed = "\n".join(f"{i}. विकल्प {i}" for i in range(1, n + 1))
        assert (out.text, out.buttons) == (f"चुनिए:{gap}{listed}", ())


def test_smart_punctuation_becomes_ascii_only_on_gsm7_sms(renderer: Renderer) -> None:
    assert renderer.render(Reply("t.quote"), "en", SMS).text == '"OK" - yes...'
    assert renderer.render(Reply("t.quote"), "en", WHATSAPP).text == "“OK” — yes…"
    assert renderer.render(Reply("t.quote"), "hi", SMS).text == "“ठीक” — हाँ"


def test_missing_translation_falls_back_to_english_then_key(
        renderer: Renderer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert renderer.render(Reply("t.only_en"), "hi", SMS).text == "English only"
        assert renderer.render(Reply("no.such.key"), "hi-Latn", SMS).text == "no.such.key"
    logged = caplog.text
    assert "t.only_en / hi" in logged and "no.such.key / hi-Latn" in logged
    assert "no.such.key / en" in logged


def test_missing_param_and_broken_template_never_crash(
        renderer: Renderer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert renderer.text("t.count", "en") == " complaints"
        assert renderer.text("t.bad", "hi", {"name": "x"}) == "Fixed x"  # hi has "{}"
    assert "missing param: t.count / en / n" in caplog.text
    assert "bad template: t.bad / hi" in caplog.text
    assert "secret-user-text" not in caplog.text


def test_warnings_are_logged_once_per_key(renderer: Renderer,
                                          caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        for _ in range(3):
            renderer.text("t.only_en", "hi")
    assert caplog.text.count("t.only_en / hi") == 1


def test_defaults_fill_params_and_reply_params_win(tmp_path: Path) -> None:
    write_catalogs(tmp_path, {"h": {lang: "{helpline}" for lang in LANGUAGES}})
    r = Renderer(Catalogs(tmp_path), defaults={"helpline": "1912"})
    assert r.text("h", "en") == "1912"
    assert r.text("h", "en", {"helpline": "1800"}) == "1800"


def test_catalogs_load_lazily_once_and_tolerate_missing_files(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    catalogs = Catalogs(tmp_path / "nowhere")  # constructing reads nothing
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert catalogs.lookup("menu.title", "hi") is None
    assert "unavailable" in caplog.text
    write_catalogs(tmp_path, TEXTS)
    catalogs = Catalogs(tmp_path)
    first = catalogs.messages("en")
    po_path("en", tmp_path).unlink()
    assert catalogs.messages("en") is first  # cached: no second read
    catalogs.clear()
    assert catalogs.messages("en") == {}


def test_importing_builds_no_renderer_and_reads_no_catalog() -> None:
    """In a fresh interpreter: importing the i18n modules must not touch the catalogs."""
    code = (
        "import bot.i18n.catalog as c\n"
        "def boom(*a, **k): raise SystemExit('catalog read at import')\n"
        "c.read_messages = boom\n"
        "import bot.i18n, bot.i18n.rendering as r, bot.i18n.sync, bot.formatting\n"
        "assert not hasattr(r, '_default')  # no process-wide renderer: compose() builds it\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("tag", "expected"), [
    ("hi", "hi"), ("hi-Latn", "hi-Latn"), ("hi_Latn", "hi-Latn"), ("hi-IN", "hi"),
    ("en-IN", "en"), ("EN", "en"), ("xx", "en"),
])
def test_normalize_language(tag: str, expected: str) -> None:
    assert normalize_language(tag) == expected


@pytest.mark.parametrize(("text", "picked"), [
    ("1", "v1"), (" 2 ", "v2"), ("3.", "v3"), ("3)", "v3"), ("२", "v2"), ("०३", "v3"),
    ("4", None), ("0", None), ("-1", None), ("1 2", None), ("", None), ("balance", None),
    ("1.5", None), ("²", None), ("9999999999", None),
])
def test_option_for_number(text: str, picked: str | None) -> None:
    option = option_for_number(options(3), text)
    assert (option.value if option else None) == picked


# -- SMS ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "enc", "units_", "parts"), [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1), ("a" * 161, "GSM-7", 161, 2), ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3), ("€" * 80, "GSM-7", 160, 1), ("€" * 81, "GSM-7", 162, 2),
    ("क" * 70, "UCS-2", 70, 1), ("क" * 71, "UCS-2", 71, 2), ("a" * 134 + "क", "UCS-2", 135, 3),
    ("₹5", "UCS-2", 2, 1), ("🙏" * 35, "UCS-2", 70, 1),
])
def test_encoding_length_and_segments(text: str, enc: str, units_: int, parts: int) -> None:
    assert (encoding(text), length(text), segments(text)) == (enc, units_, parts)


def test_same_message_costs_more_in_hindi() -> None:
    en = "Your balance is Rs.1,234.50. Please recharge soon to avoid disconnection."
    hi = "आपका बैलेंस ₹1,234.50 है। कटने से बचने के लिए जल्दी रिचार्ज करें।"
    assert (segments(en), segments(hi)) == (1, 1)
    assert segments(en * 2) == 1 and segments(hi * 2) == 2  # 146 GSM-7 vs 128 UCS-2


@pytest.mark.parametrize(("text", "expected"), [
    ("Pay ₹50 – now…", "Pay Rs.50 - now..."), ("“Hi” ‘x’", "\"Hi\" 'x'"),
    ("₹50 बाकी", "₹50 बाकी"),  # Devanagari: UCS-2 anyway, keep ₹
    ("₹50 🙏", "₹50 🙏"), ("plain [x] {y} €", "plain [x] {y} €"),
])
def test_to_gsm_safe(text: str, expected: str) -> None:
    assert to_gsm_safe(text) == expected


# -- make i18n's merge step -----------------------------------------------------------
@pytest.fixture
def locales(tmp_path: Path) -> Iterator[Path]:
    write_catalogs(tmp_path, {"keep.me": {lang: "x" for lang in LANGUAGES}})
    yield tmp_path


def test_sync_adds_new_keys_empty_and_never_drops_any(locales: Path) -> None:
    pot = locales / "messages.pot"
    template = Catalog(fuzzy=False)
    template.add("new.key", auto_comments=["i18n: shown after X"])
    with pot.open("wb") as f:
        write_po(f, template)
    sync(pot, locales)
    for language in LANGUAGES:
        assert _entries(locales, language) == {"keep.me": "x", "new.key": ""}
    before = {lang: po_path(lang, locales).read_bytes() for lang in LANGUAGES}
    sync(pot, locales)  # idempotent: nothing to add, nothing rewritten
    assert {lang: po_path(lang, locales).read_bytes() for lang in LANGUAGES} == before
    assert "i18n: shown after X" in po_path("hi", locales).read_text(encoding="utf-8")
