"""Typed settings, read once at start-up from the environment and `.env`."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite:///./data/nhacviec.db"


# Reminder fields a ZBS template parameter can take, with the longest value sent (Zalo's parameter types cap
# lengths: pick types at least this long when registering the template).
TEMPLATE_FIELDS = {"task": 200, "due_date": 30, "unit": 200, "code": 30, "count": 20, "link": 200}


def template_params(spec: str) -> dict[str, str]:
    """Parse "param=field,param=field"; ValueError names what is wrong."""
    mapping = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, field = (x.strip() for x in pair.partition("="))
        if not sep or not name or field not in TEMPLATE_FIELDS:
            raise ValueError(f"NHACVIEC_ZALO_OA_TEMPLATE_PARAMS: '{pair}' must be param=field with field one of "
                             + ", ".join(TEMPLATE_FIELDS))
        mapping[name] = field
    return mapping


class Settings(BaseSettings):
    """All nhacviec settings; every key is documented in `.env.example`."""

    model_config = SettingsConfigDict(env_prefix="NHACVIEC_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DB
    env: str = "development"                # NHACVIEC_ENV: development | production (production refuses unsafe set-ups)
    timezone: str = "Asia/Ho_Chi_Minh"
    default_lang: str = "vi"
    data_dir: Path = Path("./data")
    evidence_dir: Path = Path("./data/evidence")
    evidence_store: Literal["local", "s3"] = "local"   # local: under evidence_dir (shared mount); s3: a bucket
    s3_endpoint: str | None = None          # the S3-compatible service, always explicit (https://s3.example.vn)
    s3_bucket: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str = "evidence"             # key prefix inside the bucket
    evidence_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 5000

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str | None = None

    # Reminders
    track_partners: bool = False  # remind and count phối hợp units like chủ trì units
    work_start: str = "08:00"
    work_end: str = "17:00"
    reminder_offsets: str = "7,3,1,0"
    overdue_every_workdays: int = 2
    reminder_grace_days: int = 3
    scheduler_interval_seconds: int = 60
    reminder_max_attempts: int = 6          # network failures before a reminder is marked failed
    reminder_send_concurrency: int = 4      # chats sent to at once (hides the ~100 ms round trip); a crash may double that many
    reminder_checkin_every: str = "monthly"  # monthly | weekly: check-ins of event/continuous tasks
    reporting_calendar: str = "default"     # preset name or YAML path (calendars/presets)
    day_off_rule: Literal["before", "after"] = "before"  # a deadline on a day off: working day before/after it
    telegram_rate_per_second: int = 30      # overall Bot API sending rate (Telegram allows ~30/s)

    # Zalo
    zalo_bot_token: SecretStr | None = None
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_bot_secret: SecretStr | None = None
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    # Past the OA's 7-day window reminders go as this approved ZBS template (by user id); empty = the unit is
    # reported "unreachable on Zalo" until it writes. Parameters: "param=field,…", fields as in TEMPLATE_FIELDS.
    zalo_oa_template_id: str | None = None
    zalo_oa_template_params: str = "nhiem_vu=task,han=due_date,don_vi=unit,ma=code"
    zalo_oa_billable_window: str = "send"   # 48 h–7 days after the last interaction: send | template | hold
    zalo_oa_event_max_age_hours: int = 24   # OA webhook events older than this are refused (replays)
    zalo_media_allow_hosts: str = ""        # hosts allowed for media downloads even on private addresses

    # Webhook server
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_takeover_seconds: float = 30    # how often a worker takes over webhook events a dead worker left unfinished
    public_url: str | None = None

    # Desk (web pages)
    web_secret: SecretStr | None = None     # signs desk cookies; a random key in data_dir when unset
    zalo_link: str | None = None            # the OA's or bot's Zalo link (https://zalo.me/…), printed as a QR code
    @field_validator("zalo_oa_billable_window")
    @classmethod
    def _known_band(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("send", "template", "hold"):
            raise ValueError("NHACVIEC_ZALO_OA_BILLABLE_WINDOW must be send, template or hold")
        return value

    @field_validator("zalo_oa_template_params")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        template_params(value)
        return value

    @property
    def oa_template_params(self) -> dict[str, str]:
        """NHACVIEC_ZALO_OA_TEMPLATE_PARAMS as {template parameter: reminder field}."""
        return template_params(self.zalo_oa_template_params)

    @field_validator("webhook_takeover_seconds")
    @classmethod
    def _positive_interval(cls, value: float) -> float:
        if not value > 0:  # 0 would sweep the journal without pause
            raise ValueError("NHACVIEC_WEBHOOK_TAKEOVER_SECONDS must be more than 0")
        return value

    @field_validator("default_lang")
    @classmethod
    def _known_lang(cls, value: str) -> str:
        if value not in ("vi", "en"):
            raise ValueError("default_lang must be 'vi' or 'en'")
        return value

    @property
    def production(self) -> bool:
        """True when NHACVIEC_ENV=production."""
        return self.env.strip().lower() in ("production", "prod")

    @property
    def media_allow_hosts(self) -> frozenset[str]:
        """NHACVIEC_ZALO_MEDIA_ALLOW_HOSTS as lower-case host names (for tests and on-premise media servers)."""
        return frozenset(h.strip().lower() for h in self.zalo_media_allow_hosts.split(",") if h.strip())

    @property
    def tracked_roles(self) -> tuple[str, ...]:
        """Assignment roles that get reminders and count as overdue (chủ trì; phối hợp when tracked)."""
        return ("lead", "partner") if self.track_partners else ("lead",)

    @property
    def telegram_file_base(self) -> str:
        """File download base URL, derived from the API URL unless set."""
        if self.telegram_file_url:
            return self.telegram_file_url
        base = self.telegram_api_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"
