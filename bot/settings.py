"""Settings from the environment (and ./.env), checked once at start-up.

A bad value stops start-up with one line naming the variable (exit code 2), never a
traceback: see `SettingsError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_TELEGRAM_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$|^\d{5,6}$")  # E.164, or a short code
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
SMTP_SECURITY = ("starttls", "tls", "none")


class SettingsError(ValueError):
    """One line: the variable and what is wrong with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database: str = Field("youthvoice.db", alias="YOUTHVOICE_DATABASE")
    secret_key: SecretStr | None = Field(None, alias="YOUTHVOICE_SECRET_KEY")
    host: str = Field("127.0.0.1", alias="YOUTHVOICE_HOST")
    port: int = Field(8080, alias="YOUTHVOICE_PORT", ge=1, le=65535)
    public_url: str = Field("http://127.0.0.1:8080", alias="YOUTHVOICE_PUBLIC_URL")
    timezone: str = Field("Europe/London", alias="YOUTHVOICE_TIMEZONE")
    quiet_hours: str = Field("21:00-08:00", alias="YOUTHVOICE_QUIET_HOURS")
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field("https://api.telegram.org", alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_rate_limit: float = Field(30.0, alias="TELEGRAM_RATE_LIMIT", gt=0, le=1000)
    twilio_account_sid: str | None = Field(None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(None, alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str | None = Field(None, alias="TWILIO_FROM_NUMBER")
    twilio_messaging_service_sid: str | None = Field(None, alias="TWILIO_MESSAGING_SERVICE_SID")
    twilio_api_base_url: str = Field("https://api.twilio.com", alias="TWILIO_API_BASE_URL")
    sms_rate_limit: float = Field(1.0, alias="SMS_RATE_LIMIT", gt=0, le=1000)
    invites_per_30_days: int = Field(2, alias="YOUTHVOICE_INVITES_PER_30_DAYS", ge=0, le=30)
    review_reminder_days: str = Field("7,2", alias="YOUTHVOICE_REVIEW_REMINDER_DAYS")
    review_retention_days: int = Field(90, alias="YOUTHVOICE_REVIEW_RETENTION_DAYS", ge=1, le=3650)
    contact_retention_days: int = Field(
        90, alias="YOUTHVOICE_CONTACT_RETENTION_DAYS", ge=1, le=3650
    )
    session_expiry_days: int = Field(30, alias="YOUTHVOICE_SESSION_EXPIRY_DAYS", ge=1, le=3650)
    smtp_host: str | None = Field(None, alias="YOUTHVOICE_SMTP_HOST")
    smtp_port: int = Field(587, alias="YOUTHVOICE_SMTP_PORT", ge=1, le=65535)
    smtp_username: str | None = Field(None, alias="YOUTHVOICE_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="YOUTHVOICE_SMTP_PASSWORD")
    smtp_security: str = Field("starttls", alias="YOUTHVOICE_SMTP_SECURITY")
    alert_from: str | None = Field(None, alias="YOUTHVOICE_ALERT_FROM")
    alert_email: str | None = Field(None, alias="YOUTHVOICE_ALERT_EMAIL")
    alert_deputy_email: str | None = Field(None, alias="YOUTHVOICE_ALERT_DEPUTY_EMAIL")
    alert_webhook_url: str | None = Field(None, alias="YOUTHVOICE_ALERT_WEBHOOK_URL")
    alert_webhook_secret: SecretStr | None = Field(None, alias="YOUTHVOICE_ALERT_WEBHOOK_SECRET")
    alert_escalate_minutes: int = Field(
        60, alias="YOUTHVOICE_ALERT_ESCALATE_MINUTES", ge=1, le=10080
    )

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be a file path")
        if value.startswith(("postgresql://", "postgres://")):
            raise ValueError("PostgreSQL is not supported yet; use a SQLite file path")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "must be at least 32 characters (leave it unset to use youthvoice.key)"
            )
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _telegram_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_TOKEN.match(value.get_secret_value()):
            raise ValueError("is not a Telegram bot token (it looks like 123456789:AAE...)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1 to 256 letters, digits, _ or - (Telegram's rule)")
        return value

    @field_validator("twilio_account_sid")
    @classmethod
    def _account_sid(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT_SID.match(value):
            raise ValueError("is not a Twilio account SID (AC followed by 32 hex digits)")
        return value

    @field_validator("twilio_messaging_service_sid")
    @classmethod
    def _service_sid(cls, value: str | None) -> str | None:
        if value is not None and not _SERVICE_SID.match(value):
            raise ValueError("is not a messaging service SID (MG followed by 32 hex digits)")
        return value

    @field_validator("twilio_from_number")
    @classmethod
    def _from_number(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value.replace(" ", "")):
            raise ValueError("must be a phone number in E.164 form, like +447700900123")
        return None if value is None else value.replace(" ", "")

    @model_validator(mode="after")
    def _sms_complete(self) -> Settings:
        """SMS is on when both Twilio credentials are set; half a configuration is a mistake."""
        sid, token = self.twilio_account_sid, self.twilio_auth_token
        if sid and not token:
            raise ValueError("TWILIO_AUTH_TOKEN: must be set with TWILIO_ACCOUNT_SID")
        if token and not sid:
            raise ValueError("TWILIO_ACCOUNT_SID: must be set with TWILIO_AUTH_TOKEN")
        if sid and not (self.twilio_from_number or self.twilio_messaging_service_sid):
            raise ValueError(
                "TWILIO_FROM_NUMBER: set it (or TWILIO_MESSAGING_SERVICE_SID) to send SMS"
            )
        return self

    @field_validator("smtp_host", "smtp_username", "alert_webhook_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host(cls, value: str | None) -> str | None:
        if value is not None and (" " in value.strip() or "/" in value):
            raise ValueError("must be a host name, like smtp.council.gov.uk")
        return None if value is None else value.strip()

    @field_validator("smtp_security")
    @classmethod
    def _smtp_security(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SMTP_SECURITY:
            raise ValueError(f"must be one of {', '.join(SMTP_SECURITY)}")
        return value

    @field_validator("alert_from", "alert_email", "alert_deputy_email", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(_EMAIL.match(part) for part in parts):
            raise ValueError("must be email addresses, comma-separated, like dsl@council.gov.uk")
        return ",".join(parts) or None

    @field_validator("alert_webhook_url")
    @classmethod
    def _alert_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value):
            raise ValueError("must be a URL starting with http:// or https://")
        return value

    @model_validator(mode="after")
    def _alerts_complete(self) -> Settings:
        """Alerts go by email when SMTP is set, by webhook when its URL is; half a
        configuration would lose alerts silently, so it stops start-up instead."""
        if self.alert_from is not None and "," in self.alert_from:
            raise ValueError("YOUTHVOICE_ALERT_FROM: must be one email address")
        for name, value in (
            ("YOUTHVOICE_ALERT_EMAIL", self.alert_email),
            ("YOUTHVOICE_ALERT_DEPUTY_EMAIL", self.alert_deputy_email),
        ):
            if value and not self.smtp_host:
                raise ValueError(f"YOUTHVOICE_SMTP_HOST: must be set to send alerts to {name}")
        if self.smtp_host and not self.alert_email:
            raise ValueError(
                "YOUTHVOICE_ALERT_EMAIL: set it (the designated safeguarding lead)"
                " when YOUTHVOICE_SMTP_HOST is set"
            )
        if self.smtp_host and not self.alert_from:
            raise ValueError(
                "YOUTHVOICE_ALERT_FROM: must be set with YOUTHVOICE_SMTP_HOST"
                " (the address alerts come from)"
            )
        if self.smtp_username and not self.smtp_password:
            raise ValueError("YOUTHVOICE_SMTP_PASSWORD: must be set with YOUTHVOICE_SMTP_USERNAME")
        if self.smtp_password and not self.smtp_username:
            raise ValueError("YOUTHVOICE_SMTP_USERNAME: must be set with YOUTHVOICE_SMTP_PASSWORD")
        if self.smtp_password and self.smtp_security == "none":
            raise ValueError(
                "YOUTHVOICE_SMTP_SECURITY: none would send the SMTP password unencrypted;"
                " use starttls or tls"
            )
        if self.alert_webhook_secret and not self.alert_webhook_url:
            raise ValueError(
                "YOUTHVOICE_ALERT_WEBHOOK_URL: must be set with YOUTHVOICE_ALERT_WEBHOOK_SECRET"
            )
        return self

    @property
    def alert_emails(self) -> tuple[str, ...]:
        """The designated safeguarding lead's address(es); empty when alerts are not emailed."""
        return tuple(self.alert_email.split(",")) if self.alert_email else ()

    @property
    def deputy_emails(self) -> tuple[str, ...]:
        """Who an alert nobody acknowledged in time is escalated to by email."""
        return tuple(self.alert_deputy_email.split(",")) if self.alert_deputy_email else ()

    @property
    def alerts_delivered(self) -> bool:
        """Whether alerts leave youthvoice at all (by email or webhook)."""
        return bool(self.alert_emails or self.alert_webhook_url)

    @property
    def sms_enabled(self) -> bool:
        return self.twilio_account_sid is not None and self.twilio_auth_token is not None

    @field_validator("public_url", "telegram_api_base_url", "twilio_api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("must be a URL starting with http:// or https://")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone (for example Europe/London)") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        if not _QUIET.match(value.strip()):
            raise ValueError("must look like 21:00-08:00")
        return value.strip()

    @field_validator("review_reminder_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() and 1 <= int(part) <= 60 for part in parts):
            raise ValueError("must be days before the review from 1 to 60, like 7,2 (or empty)")
        return ",".join(parts)

    @property
    def reminder_days(self) -> tuple[int, ...]:
        """Days before a review to remind a child who has sent nothing, most first."""
        days = {int(part) for part in self.review_reminder_days.split(",") if part}
        return tuple(sorted(days, reverse=True))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def key_file(self) -> Path:
        return Path(self.database).resolve().parent / "youthvoice.key"


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:  # a rule across settings names its variable itself
            raise SettingsError(message) from None
        name = str(error["loc"][0])
        field = Settings.model_fields.get(name)
        variable = field.alias if field and field.alias else name
        raise SettingsError(f"{variable}: {message}") from None
