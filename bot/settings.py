"""One settings object, read from the environment (see `.env.example`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _items(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list; unset or empty: the default; "none": no items."""
    value = _env(name, "")
    if not value:
        return default
    if value.lower() == "none":
        return ()
    return tuple(item.strip() for item in value.split(",") if item.strip())


SECRETS_DIR = PROJECT_ROOT / "var" / "secrets"


def _secret(name: str, file_name: str) -> str:
    """A shared secret between the project's own services: the environment's value, or one generated
    once for this machine and kept in var/secrets/ (mode 0600), so every process of one checkout (the
    Makefile, `carebot up`, the tests' stacks) agrees on it without any configuration."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = SECRETS_DIR / file_name
    try:
        existing = path.read_text(encoding="ascii").strip()
    except OSError:
        existing = ""
    if existing:
        return existing
    import secrets

    SECRETS_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token


@dataclass(frozen=True)
class Settings:
    """Everything an operator can configure; defaults give a working single-machine setup."""

    hub_host: str = "127.0.0.1"
    hub_port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    # The action server binds here (docs/privacy.md: only the Rasa server needs to reach it), and refuses
    # calls without `actions_token`, which Rasa sends (endpoints.yml). Rasa's HTTP API requires
    # `rasa_token` (rasa run --auth-token), which the hub sends. Empty in code; read from the environment
    # or var/secrets/ by from_env.
    actions_host: str = "127.0.0.1"
    actions_token: str = field(default="", repr=False)
    rasa_token: str = field(default="", repr=False)
    hub_db_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'hub.db'}"
    crm_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'crm.db'}"
    # Rasa's tracker store (endpoints.yml): export and erasure reach it (docs/privacy.md).
    rasa_tracker_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa-tracker.db'}"
    # Keys the privacy audit log's hash of an e-mail address (empty in code: a fixed test key).
    privacy_key: str = field(default="", repr=False)
    # Encrypt customers' words at rest in the hub database (bot/sealed.py): the first key seals, every
    # one opens. Empty in code (tests' databases stay readable); from the environment, CAREBOT_DATA_KEYS
    # or one key generated once in var/secrets/data.key.
    data_keys: tuple[str, ...] = field(default=(), repr=False)
    client_file: Path = field(default=PROJECT_ROOT / "client.yml")
    kb_source: Path = field(default=PROJECT_ROOT / "knowledge_base")
    kb_index: Path = field(default=PROJECT_ROOT / "var" / "kb-index")
    max_message_chars: int = 4000
    rasa_timeout_s: float = 30.0
    log_level: str = "INFO"
    log_format: str = "json"
    # Signs the widget's session tokens; empty: a random key kept in the hub database.
    session_secret: str = field(default="", repr=False)
    session_ttl_days: float = 30.0
    # Sites allowed to embed the widget ("https://www.example.com"); empty: any site.
    widget_origins: tuple[str, ...] = ()
    # Proactive outreach (docs/outreach.md): campaign files, the machine clients' key for the events
    # API (empty: only supervisors may post events), and whether the hub runs the scheduler loop:
    # on when read from the environment (CAREBOT_OUTREACH_LOOP, default 1), off for a Settings built
    # in code (tests drive the scheduler themselves with OutreachService.tick(now)).
    outreach_dir: Path = field(default=PROJECT_ROOT / "outreach")
    outreach_api_key: str = field(default="", repr=False)
    outreach_loop: bool = False
    # Whether the hub migrates its database at start (docs/database.md). Off when read from the
    # environment (CAREBOT_DB_UPGRADE, default 0): `carebot db upgrade` does it (`make run` runs it) and
    # the hub refuses to start on an older schema. On for a Settings built in code (tests, scripts),
    # whose fresh databases then get the schema the way `create_all` used to give it.
    db_upgrade: bool = True
    # Abuse limits (bot/hub/limits): counted in Redis when set, so every hub replica sees the same counts;
    # empty: in this process (one replica only). The prefix keeps deployments sharing one Redis apart.
    redis_url: str = field(default="", repr=False)
    redis_prefix: str = "carebot:"
    # Changes to the default limits, "name=COUNT/PERIOD" items (bot/hub/limits/rules.py).
    limits: tuple[str, ...] = ()
    # Peers whose X-Forwarded-For names the client (a reverse proxy); addresses not limited per IP.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    limit_exempt_ips: tuple[str, ...] = ("127.0.0.1", "::1")

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            hub_host=_env("CAREBOT_HUB_HOST", cls.hub_host),
            hub_port=int(_env("CAREBOT_HUB_PORT", str(cls.hub_port))),
            rasa_url=_env("CAREBOT_RASA_URL", cls.rasa_url).rstrip("/"),
            actions_url=_env("CAREBOT_ACTIONS_URL", cls.actions_url).rstrip("/"),
            actions_host=_env("CAREBOT_ACTIONS_HOST", cls.actions_host),
            actions_token=_secret("CAREBOT_ACTIONS_TOKEN", "actions.token"),
            rasa_token=_secret("CAREBOT_RASA_TOKEN", "rasa.token"),
            hub_db_url=_env("CAREBOT_HUB_DB_URL", cls.hub_db_url),
            crm_url=_env("CAREBOT_CRM_URL", cls.crm_url),
            rasa_tracker_url=_env("CAREBOT_RASA_TRACKER_URL", cls.rasa_tracker_url),
            privacy_key=_secret("CAREBOT_PRIVACY_KEY", "privacy.key"),
            data_keys=tuple(k.strip() for k in _env("CAREBOT_DATA_KEYS", "").split(",") if k.strip())
            or (_secret("CAREBOT_DATA_KEY", "data.key"),),
            client_file=Path(_env("CAREBOT_CLIENT_FILE", str(PROJECT_ROOT / "client.yml"))),
            kb_source=Path(_env("CAREBOT_KB_SOURCE", str(PROJECT_ROOT / "knowledge_base"))),
            kb_index=Path(_env("CAREBOT_KB_INDEX", str(PROJECT_ROOT / "var" / "kb-index"))),
            max_message_chars=int(_env("CAREBOT_MAX_MESSAGE_CHARS", str(cls.max_message_chars))),
            rasa_timeout_s=float(_env("CAREBOT_RASA_TIMEOUT_S", str(cls.rasa_timeout_s))),
            log_level=_env("CAREBOT_LOG_LEVEL", cls.log_level).upper(),
            log_format=_env("CAREBOT_LOG_FORMAT", cls.log_format),
            session_secret=_env("CAREBOT_SESSION_SECRET", ""),
            session_ttl_days=float(_env("CAREBOT_SESSION_TTL_DAYS", str(cls.session_ttl_days))),
            widget_origins=tuple(o.strip().rstrip("/") for o in _env("CAREBOT_WIDGET_ORIGINS", "").split(",")
                                 if o.strip()),
            outreach_dir=Path(_env("CAREBOT_OUTREACH_DIR", str(PROJECT_ROOT / "outreach"))),
            outreach_api_key=_env("CAREBOT_OUTREACH_API_KEY", ""),
            outreach_loop=_env("CAREBOT_OUTREACH_LOOP", "1").lower() not in ("0", "false", "no", "off"),
            db_upgrade=_env("CAREBOT_DB_UPGRADE", "0").lower() not in ("0", "false", "no", "off"),
            redis_url=_env("CAREBOT_REDIS_URL", ""),
            redis_prefix=_env("CAREBOT_REDIS_PREFIX", cls.redis_prefix),
            limits=_items("CAREBOT_LIMITS", ()),
            trusted_proxies=_items("CAREBOT_TRUSTED_PROXIES", cls.trusted_proxies),
            limit_exempt_ips=_items("CAREBOT_LIMIT_EXEMPT_IPS", cls.limit_exempt_ips),
        )
