"""Settings of the running assistant: the backend's `Settings` plus channel credentials.

A channel without its settings is simply off (its routes answer 404), so a developer
machine with no provider accounts still runs everything else. Secrets are `SecretStr`.
Which settings turn a channel on is its adapter's `enabled`; which channels are on, ask
`bot.channels.registry.enabled_channels(settings)` (settings sit below the registry)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from backend.platform.settings import Settings


@dataclass(frozen=True)
class KeyTemplates:
    """How one message key may leave the system outside a free-form window.

    `content_sid` + `variables` (param names, in order, for the Content API's "1", "2", …)
    is an approved WhatsApp template; `dlt_template_id` is the SMS DLT content template
    the text is registered under (Indian operators block unregistered texts)."""

    content_sid: str | None = None
    variables: tuple[str, ...] = ()
    dlt_template_id: str | None = None


@dataclass(frozen=True)
class TemplateMap:
    keys: dict[str, KeyTemplates] = field(default_factory=dict)

    def get(self, key: str) -> KeyTemplates:
        return self.keys.get(key, KeyTemplates())

    @classmethod
    def load(cls, path: Path | None) -> TemplateMap:
        """Read ``{key: {whatsapp: {content_sid, variables}, sms: {dlt_template_id}}}``."""
        if path is None:
            return cls()
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping of message keys")
        keys: dict[str, KeyTemplates] = {}
        for key, spec in raw.items():
            spec = spec or {}
            wa, sms = spec.get("whatsapp") or {}, spec.get("sms") or {}
            keys[str(key)] = KeyTemplates(
                content_sid=wa.get("content_sid"),
                variables=tuple(str(v) for v in wa.get("variables") or ()),
                dlt_template_id=str(sms["dlt_template_id"]) if sms.get("dlt_template_id")
                else None)
        return cls(keys)


class AppSettings(Settings):
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_messaging_service_sid: str | None = Field(
        default=None, description="Send through this Messaging Service instead of a From.")
    twilio_whatsapp_from: str | None = Field(
        default=None, description="WhatsApp sender, e.g. whatsapp:+14155238886.")
    twilio_sms_from: str | None = Field(default=None, description="SMS sender number or ID.")
    twilio_api_base_url: str | None = Field(
        default=None, description="Only for tests and benchmarks: a fake Twilio API.")
    public_base_url: str | None = Field(
        default=None, description="The https URL Twilio and Telegram call; Twilio "
        "signatures are checked against it, so they hold behind a TLS proxy.")
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str | None = Field(
        default=None, description="Bot API base URL, e.g. a local Bot API server "
        "(https://api.telegram.org/bot by default).")
    channel_templates_file: Path | None = Field(
        default=None, description="YAML: per message key, the WhatsApp template "
        "(content_sid, variables) and the SMS DLT template id.")
    sms_require_dlt: bool = Field(
        default=True, description="Refuse to send an SMS whose key has no DLT template id.")
    webhook_max_bytes: int = Field(default=32_768, ge=1024)
    outbox_http_url: str | None = Field(
        default=None, description="An HTTP gateway for channels without their own adapter: "
        "each message is POSTed there as JSON (bot/channels/http_gateway.py).")
    outbox_http_token: SecretStr | None = Field(
        default=None, description="Bearer token for OUTBOX_HTTP_URL.")
    assistant_file: Path | None = Field(
        default=None, description="YAML file with the helpline, app links and per-discom "
        "websites, recharge pages and numbers (default: the shipped bot/data/assistant.yml, "
        "whose placeholders APP_ENV=production refuses).")
    web_chat_enabled: bool = Field(
        default=False, description="Serve the web chat at /chat (a demo: in production "
        "`sahayak serve` refuses it unless WEB_CHAT_FORCE=1).")
    web_chat_force: bool = Field(
        default=False, description="Serve the web chat even with APP_ENV=production (its "
        "own web contacts, no demo shortcut: account data only after a one-time code).")
    # NoDecode: "a.example,b.example" as written (split by the validator below).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names this server answers to (comma-separated, `*.example.in` "
        "allowed); other Host headers get 400. Unset: any host (serve warns in production).")

    @field_validator("public_base_url", "twilio_api_base_url", "telegram_api_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @property
    def twilio_ready(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token
                    and self.public_base_url)

    @property
    def whatsapp_enabled(self) -> bool:
        return self.twilio_ready and bool(self.twilio_whatsapp_from
                                          or self.twilio_messaging_service_sid)

    @property
    def sms_enabled(self) -> bool:
        return self.twilio_ready and bool(self.twilio_sms_from
                                          or self.twilio_messaging_service_sid)

    @property
    def telegram_enabled(self) -> bool:
        """Webhook mode needs the secret too; polling (`sahayak telegram poll`) only a token."""
        return bool(self.telegram_bot_token and self.telegram_webhook_secret)

    @property
    def web_chat_on(self) -> bool:
        """The web chat is a demo: served in demo mode, in production only when forced."""
        return self.web_chat_enabled and (self.is_demo or self.web_chat_force)

    def templates(self) -> TemplateMap:
        return TemplateMap.load(self.channel_templates_file)
