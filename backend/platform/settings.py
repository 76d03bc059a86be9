"""One typed settings object, read from the environment (and an optional `.env` file).

Secrets are `SecretStr` so they never show up in `repr`, logs or tracebacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "rules.yml"
#: The one default local time zone (Bihar); every local-time rule reads the setting.
DEFAULT_TIMEZONE = "Asia/Kolkata"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Literal["demo", "production"] = Field(
        default="production",
        description="demo (`make run`: shows the database and consumer count on the landing "
        "page, allows the web chat) or production (the safe default: neither).")
    database_url: str = Field(
        default="sqlite:///sahayak.db",
        description="SQLAlchemy URL; SQLite file in the working directory by default.",
    )
    timezone: str = DEFAULT_TIMEZONE  # local time of every rule in the rules file
    rules_file: Path = Field(
        default=DEFAULT_RULES_FILE,
        description="YAML file with tariffs and prepaid rules (Bihar-like defaults shipped).",
    )
    # NoDecode: read "a,b" as written, not as JSON (split by the validator below).
    operator_api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated API keys allowed to read and write the REST API.",
    )
    readonly_api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated API keys allowed only to read.",
    )
    metering_url: str | None = Field(
        default=None,
        description="Base URL of a remote metering service speaking our REST API; "
        "unset means the local database is the metering service.",
    )
    metering_api_key: SecretStr | None = None
    max_request_bytes: int = 1_000_000
    outbox_max_attempts: int = 6
    outbox_backoff_base_s: float = 30.0
    outbox_backoff_max_s: float = 3600.0
    # NoDecode: "whatsapp=80,sms=100" as written (parsed by the validator below).
    outbox_rate_limits: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=dict,
        description="Messages per second per channel, shared by all workers, e.g. "
        "whatsapp=80,sms=100,telegram=30; a channel not named is unlimited.")
    outbox_rate_burst_s: float = Field(
        default=1.0, gt=0, le=60,
        description="How far ahead (seconds of its rate) a worker may book a channel's "
        "send slots in one batch: the token bucket's size.")
    outbox_throttle_pause_s: float = Field(
        default=2.0, gt=0, le=3600,
        description="How long a provider 429 pauses its channel when it gives no Retry-After.")
    log_level: str = "INFO"
    otp_hash_key: SecretStr | None = Field(
        default=None,
        description="Secret key for the stored hash of one-time codes (HMAC-SHA256), so a "
        "copied table does not give up the codes: 32+ random characters, the same in every "
        "process. Required with APP_ENV=production; demo uses a built-in key.")
    otp_ttl_minutes: int = Field(default=10, ge=1, description="How long a one-time code works.")
    otp_max_attempts: int = Field(default=5, ge=1, description="Wrong codes before it dies.")
    otp_max_per_contact_per_hour: int = Field(
        default=3, ge=1, description="Code requests one chat may make in an hour.")
    otp_max_lookups_per_contact_per_day: int = Field(
        default=10, ge=1,
        description="CA numbers one unlinked chat may look up in a day (whether they exist "
        "or not: stops guessing CA numbers).")
    otp_max_per_consumer_per_day: int = Field(
        default=5, ge=1,
        description="Codes one registered mobile may receive in a day (stops SMS bombing).")
    link_notice_reply_no: bool = Field(
        default=False,
        description="The SMS gateway receives replies: the notice to a registered mobile that "
        "a new chat linked to its connection then says \"reply NO\" to undo it.")
    link_unlink_days: int = Field(
        default=7, ge=1,
        description="For how many days after a chat linked with a code its connection's "
        "registered mobile can undo that link by replying NO.")
    conversation_ttl_minutes: int = Field(
        default=30, ge=1, description="A half-finished form is dropped after this idle time.")
    handoff_return_hours: int = Field(
        default=24, ge=1,
        description="A conversation handed to staff returns to the bot after this long "
        "(said on the next message), so no consumer is left waiting in silence.")
    default_language: Literal["hi", "hi-Latn", "en"] = Field(
        default="hi", description="Reply language for a contact that chose none and is "
        "linked to no consumer account (which then gets a short offer of English).")
    language_switch_after: int = Field(
        default=3, ge=1, le=20, description="Clear messages in a row in another language "
        "before it becomes the contact's stored language (one such message only changes "
        "that reply).")
    processed_message_retention_hours: int = Field(
        default=48, ge=1,
        description="How long provider message ids are kept for dedupe (providers retry "
        "for minutes to hours).")

    scheduler_embedded: bool = Field(
        default=True, description="`sahayak serve` runs the scheduler in-process (the lock "
        "keeps it to one runner across processes); 0 when a `sahayak scheduler` runs.")
    scheduler_alert_scan: str = Field(
        default="15", description="Alert scan: minutes between runs, a crontab line "
        "(local time), or 'off'.")
    scheduler_escalation: str = Field(
        default="10", description="Complaint SLA escalation: minutes, crontab or 'off'.")
    scheduler_disconnect: str = Field(
        default="15", description="Disconnection sweep: minutes, crontab or 'off' (it "
        "cuts only inside the cut window whatever the schedule).")
    scheduler_broadcasts: str = Field(
        default="1", description="Scheduled broadcasts: minutes between checks for "
        "broadcasts whose time has come, crontab or 'off'.")
    scheduler_lock_retry_s: float = Field(
        default=15.0, gt=0, le=3600, description="How often a standby scheduler tries to "
        "take the lock, and the holder checks it still has it.")

    @field_validator("operator_api_keys", "readonly_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    @field_validator("outbox_rate_limits", mode="before")
    @classmethod
    def _parse_rates(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        rates: dict[str, float] = {}
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            channel, sep, number = (p.strip() for p in item.partition("="))
            try:
                rate = float(number) if sep and channel else 0.0
            except ValueError:
                rate = 0.0
            if not 0 < rate <= 100_000 or len(channel) > 16:
                raise ValueError(f"bad rate {item!r}: write channel=messages per second, "
                                 "e.g. whatsapp=80,sms=100")
            rates[channel] = rate
        return rates

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Kolkata") from exc
        return value

    @property
    def is_demo(self) -> bool:
        return self.app_env == "demo"

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
