"""Demo placeholders production must not show consumers: a dummy store id, an example
link or an empty helpline would send a consumer nowhere (or somewhere a fraudster owns).

`placeholder_problems` lists every such value of the assistant file, each with the key to
fill in; the composition root refuses to serve in production while the list is not empty
(demo mode, `make run` and the tests, show them as they are)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.dialogue.config import AssistantConfig

_WORDS = re.compile(r"placeholder|changeme|change[-_ ]me|todo|fixme|dummy|xxxx|\bTBD\b", re.I)
_APPLE_DUMMY_ID = re.compile(r"/id0+(?:\D|$)")
_RESERVED_TLDS = (".example", ".invalid", ".test", ".localhost", ".local")
_EXAMPLE_HOSTS = re.compile(r"(^|\.)example\.(com|net|org|in|co\.in)$")
_ALL_ZERO = re.compile(r"^[0\s+\-()]+$")


def link_problem(value: str) -> str | None:
    """Why `value` is not a real official link, or None."""
    if not value.strip():
        return "empty"
    if _WORDS.search(value):
        return "a placeholder"
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "not a web link"
    if host == "localhost" or host.endswith(_RESERVED_TLDS) or _EXAMPLE_HOSTS.search(host):
        return "an example address"
    if "example" in value.lower():
        return "an example link"
    if _APPLE_DUMMY_ID.search(parts.path):
        return "a dummy App Store id"
    return None


def phone_problem(value: str) -> str | None:
    """Why `value` is not a real phone number, or None."""
    if not value.strip():
        return "empty"
    if _WORDS.search(value) or _ALL_ZERO.match(value) or not any(c.isdigit() for c in value):
        return "a placeholder"
    return None


def placeholder_problems(config: AssistantConfig) -> list[str]:
    """Every demo placeholder in `config`, as "key = 'value': why" lines (empty: none)."""
    found: list[tuple[str, str, str | None]] = [
        ("helpline", config.helpline, phone_problem(config.helpline)),
        ("app.name", config.app_name, None if config.app_name.strip() else "empty"),
        ("app.android", config.app_android, link_problem(config.app_android)),
        ("app.ios", config.app_ios, link_problem(config.app_ios)),
    ]
    for code, d in config.discoms.items():
        key = f"discoms.{code}"
        found += [(f"{key}.website", d.website, link_problem(d.website)),
                  (f"{key}.recharge_website", d.recharge_website,
                   link_problem(d.recharge_website))]
        if d.android != config.app_android:
            found.append((f"{key}.app.android", d.android, link_problem(d.android)))
        if d.ios != config.app_ios:
            found.append((f"{key}.app.ios", d.ios, link_problem(d.ios)))
        found += [(f"{key}.phones[{i}]", p, phone_problem(p)) for i, p in enumerate(d.phones)]
    return [f"{key} = {value!r}: {why}" for key, value, why in found if why]


def refusal(problems: list[str], source: str) -> str:
    """The one start-up error naming every value to fill in, and where."""
    lines = "\n".join(f"  - {p}" for p in problems)
    return (f"APP_ENV=production refuses the demo placeholders in the assistant file "
            f"{source}. Fill in these keys with your discom's official values (in a copy "
            f"of the file, named by ASSISTANT_FILE), or run with APP_ENV=demo:\n{lines}")
