"""The hub's settings (``motcua hub --config hub.toml``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua.config import MqttConfig, check_id, check_log_level, check_port, section, setting


@dataclass(kw_only=True)
class HttpConfig:
    host: str = setting("127.0.0.1", doc="address the web server listens on")
    port: int = setting(
        8080, doc="port the web server listens on (0: one the system chooses, sent to "
                  "systemd's notify socket as STATUS=... on port N and logged)",
        check=lambda v: None if v == 0 else check_port(v))
    threads: int = setting(
        8, doc="web server threads", check=lambda v: None if 1 <= v <= 64 else "expected 1 to 64"
    )
    secure_cookies: bool = setting(
        False, doc="send the session cookie over HTTPS only (true behind TLS)"
    )
    behind_proxy: bool = setting(
        False, doc="a reverse proxy on this machine (nginx, `[hub] https` in the inventory) "
                   "passes the browser's address and https in X-Forwarded-* headers; trust "
                   "them (only with host = 127.0.0.1, so nobody else can send them)")
    session_hours: float = setting(
        10.0, doc="how long a staff sign-in lasts, from the moment of signing in: one "
                  "working shift (07:00-17:00), then sign in again",
        check=lambda v: None if 0.25 <= v <= 24 else "expected 0.25 to 24 hours")


def _check_hhmm(value: str) -> str | None:
    try:
        dt.time.fromisoformat(value)
    except ValueError:
        return "expected a time HH:MM, e.g. '15:00'"
    return None


def _check_sessions(value: list[str]) -> str | None:
    # Lazy: the calendar brings the holidays package (tens of MB), which a hub
    # loads only when it reckons working time, not with its settings.
    from .calendar.working_time import check_sessions

    return check_sessions(value)


def _check_weekday_sessions(value: list[str]) -> str | None:
    return _check_sessions(value) if value else None


def _check_code_pattern(value: str) -> str | None:
    if "{seq" not in value:
        return "the pattern must contain {seq}"
    try:
        value.format(agency="000.00.00.H56", yymmdd="261127", yyyymmdd="20261127", seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        return f"expected only {{agency}}, {{yymmdd}}, {{yyyymmdd}}, {{seq}} ({exc})"
    return None


@dataclass(kw_only=True)
class CalendarConfig:
    """Working sessions; holidays come from the `holidays` package plus the overrides page."""

    sessions: list[str] = setting(
        ["07:00-11:30", "13:30-17:00"],
        doc="working sessions of a working day, e.g. ['07:00-11:30', '13:30-17:00']",
        check=_check_sessions,
    )
    monday: list[str] = setting([], doc="Monday's sessions when they differ",
                                check=_check_weekday_sessions)
    tuesday: list[str] = setting([], doc="Tuesday's sessions when they differ",
                                 check=_check_weekday_sessions)
    wednesday: list[str] = setting([], doc="Wednesday's sessions when they differ",
                                   check=_check_weekday_sessions)
    thursday: list[str] = setting([], doc="Thursday's sessions when they differ",
                                  check=_check_weekday_sessions)
    friday: list[str] = setting([], doc="Friday's sessions when they differ",
                                check=_check_weekday_sessions)
    saturday: list[str] = setting([], doc="sessions of a working Saturday when they differ",
                                  check=_check_weekday_sessions)
    sunday: list[str] = setting([], doc="sessions of a working Sunday when they differ",
                                check=_check_weekday_sessions)
    same_day_cutoff: str = setting(
        "15:00", doc="same-day procedures received after this are due the next working day",
        check=_check_hhmm,
    )


@dataclass(kw_only=True)
class DossierConfig:
    agency_code: str = setting(
        "000.00.00.H56", doc="the receiving agency's code, first part of every dossier code"
    )
    code_pattern: str = setting(
        "{agency}-{yymmdd}-{seq:04d}",
        doc="dossier code pattern: {agency}, {yymmdd}, {yyyymmdd}, {seq} (daily sequence)",
        check=lambda v: _check_code_pattern(v),
    )
    classification: str = setting(
        "session", doc="early/on time/late by half-day 'session' or by 'day'",
        check=lambda v: None if v in ("session", "day") else "expected 'session' or 'day'",
    )
    warn_within_hours: float = setting(
        8.0, doc="working hours before the due time when a department is warned"
    )
    lookup_by_id: bool = setting(
        False, doc="kiosks may look up a citizen's dossiers by the identity number on the "
                   "ID card scanned there (the centre's decision, Decree 13/2023/NĐ-CP: "
                   "the number is used for the answer only)")
    public_url: str = setting(
        "", doc="address of the hub's public pages, for the QR code on receipts "
                "(default: the address the officer uses)"
    )


@dataclass(kw_only=True)
class SmsConfig:
    """The GSM modem (Gammu) and the SMS look-up; off until ``enabled``."""

    enabled: bool = setting(False, doc="run the SMS worker (a GSM modem is attached)")
    device: str = setting("/dev/ttyUSB0", doc="the modem's device (dummy driver: a folder)")
    connection: str = setting("at", doc="Gammu connection, e.g. 'at', 'at115200' "
                                        "('none' with the dummy driver)")
    model: str = setting("", doc="Gammu model: empty (auto) or 'dummy' for tests")
    keyword: str = setting("HS", doc="look-up keyword: 'HS <dossier code>' (accents and case "
                                     "ignored)",
                           check=lambda v: None if v.strip() and " " not in v.strip()
                           else "expected one word, e.g. 'HS'")
    unicode: bool = setting(True, doc="send Vietnamese with diacritics (UCS-2); false: plain "
                                      "ASCII, for modems or networks that cannot send Unicode")
    keep_sent: bool = setting(False, doc="keep a copy of each sent SMS in the modem's sent "
                                         "folder (the dummy driver's files; fills a real SIM)")
    poll_seconds: float = setting(5.0, doc="how often the modem's inbox and the queue are "
                                           "looked at",
                                  check=lambda v: None if 0.01 <= v <= 600
                                  else "expected 0.01 to 600")
    max_attempts: int = setting(5, doc="attempts before an outgoing message is given up",
                                check=lambda v: None if 1 <= v <= 50 else "expected 1 to 50")
    retry_seconds: float = setting(30.0, doc="wait before the first retry; doubled each time "
                                             "(at most one hour)",
                                   check=lambda v: None if 0 <= v <= 3600
                                   else "expected 0 to 3600")
    flood_limit: int = setting(5, doc="messages a sender may send per flood window before "
                                      "being throttled",
                               check=lambda v: None if v >= 1 else "expected at least 1")
    flood_window_minutes: float = setting(10.0, doc="the flood window, in minutes")
    turn_near_ahead: int = setting(3, doc="'your turn is near' when this many people or "
                                          "fewer are ahead",
                                   check=lambda v: None if 0 <= v <= 50 else "expected 0 to 50")


@dataclass(kw_only=True)
class EmailConfig:
    """Notifications by e-mail (SMTP); off while ``host`` is empty."""

    host: str = setting("", doc="SMTP server (empty: no e-mail)")
    port: int = setting(587, doc="SMTP port", check=check_port)
    starttls: bool = setting(True, doc="upgrade the connection with STARTTLS")
    ssl: bool = setting(False, doc="connect over TLS from the start (port 465)")
    username: str = setting("", doc="SMTP user (empty: no sign-in)")
    password_file: str = setting("", doc="file holding the SMTP password")
    sender: str = setting("", doc="From: address, e.g. 'Một cửa <motcua@hcc.example.vn>'")
    timeout: float = setting(20.0, doc="seconds before an SMTP exchange is given up")


@dataclass(kw_only=True)
class FeedbackConfig:
    """Citizens' feedback (issue 15): the answering deadline and the public form's limits."""

    answer_within_days: int = setting(
        10, doc="working days the inspection team has to answer a complaint or suggestion",
        check=lambda v: None if 1 <= v <= 90 else "expected 1 to 90 working days")
    min_fill_seconds: float = setting(
        4.0, doc="a public form sent back sooner than this after it was shown is refused "
                 "(scripts fill forms at once; people take longer)",
        check=lambda v: None if 0 <= v <= 120 else "expected 0 to 120 seconds")
    per_address_per_hour: int = setting(
        5, doc="feedback accepted from one client address (web) in an hour",
        check=lambda v: None if v >= 1 else "expected at least 1")
    per_ticket: int = setting(
        2, doc="feedback accepted for one ticket or one dossier, all channels together",
        check=lambda v: None if v >= 1 else "expected at least 1")
    per_kiosk_per_hour: int = setting(
        60, doc="feedback accepted from one kiosk in an hour",
        check=lambda v: None if v >= 1 else "expected at least 1")


def _positive(v) -> str | None:
    return None if v > 0 else "expected a number above 0"


@dataclass(kw_only=True)
class BudgetConfig:
    """What one node may cost the hub (issue 19; central/bus/budget.py): a burst, then a rate."""

    messages_burst: int = setting(
        300, doc="events and requests one node may send at once (a node back from "
                 "offline sends its outbox)", check=_positive)
    messages_per_second: float = setting(
        20.0, doc="events and requests per second one node may send after its burst",
        check=_positive)
    bytes_burst: int = setting(2_000_000, doc="bytes one node may send at once",
                               check=_positive)
    bytes_per_second: float = setting(100_000.0, doc="bytes per second after that",
                                      check=_positive)
    message_max_bytes: int = setting(
        65_536, doc="the largest event or request a node may send (the broker's "
                    "max_packet_size is the hard limit above it)", check=_positive)
    tickets_burst: int = setting(
        40, doc="tickets a dispenser may issue at once (a queue of people at opening)",
        check=_positive)
    tickets_per_minute: float = setting(
        12.0, doc="tickets per minute a dispenser may issue after its burst", check=_positive)
    lookups_burst: int = setting(
        30, doc="dossier look-ups a kiosk or counter may make at once (dossier codes "
                "are a day and a sequence number: a stolen node could walk them)",
        check=_positive)
    lookups_per_minute: float = setting(
        6.0, doc="dossier look-ups per minute a node may make after its burst",
        check=_positive)
    period: float = setting(
        60.0, doc="seconds between two log lines about one node over its budget",
        check=_positive)
    centre_records_burst: int = setting(
        200_000, doc="at a province: records (a summary's records; a retained state is one) "
                     "one centre may send at once, e.g. its catch-up after a cut (a busy "
                     "centre sends ~11,000 a day)", check=_positive)
    centre_records_per_second: float = setting(
        5.0, doc="at a province: records per second one centre may send after its burst "
                 "(over it: refused and counted on /province; a stolen centre's flood is "
                 "held to this until it is revoked)", check=_positive)


def _check_names(value: dict) -> str | None:
    for key, name in value.items():
        if check_id(key) or not isinstance(name, str) or not name.strip():
            return f"expected id = 'name' pairs, e.g. thanhhoa = 'Tỉnh Thanh Hóa' ({key!r})"
    return None


@dataclass(kw_only=True)
class HubConfig:
    center: str = setting(doc="the centre's id, the second level of every topic", check=check_id)
    center_name: str = setting(
        "Trung tâm Phục vụ hành chính công", doc="the centre's name as shown to citizens"
    )
    governing_body: str = setting(
        "", doc="the body above the centre, first line of official documents, e.g. "
                "'UBND TỈNH THANH HÓA' (empty: read from a centre name ending 'tỉnh X')")
    place: str = setting(
        "", doc="place name of documents' date line, e.g. 'Thanh Hóa' (empty: read from a "
                "centre name ending 'tỉnh X')")
    database: str = setting("var/motcua.db", doc="path of the SQLite database file")
    province_names: dict = setting(
        {}, doc="the national hub: each province's name by its id, e.g. "
                "{thanhhoa = 'Tỉnh Thanh Hóa'} (written by `motcua provision` from the "
                "national inventory's [[provinces]])", check=_check_names)
    centre_names: dict = setting(
        {}, doc="the provincial hub: each centre's name by its id, e.g. "
                "{xa-a = 'Trung tâm xã Đông Sơn'} (written by `motcua provision` from the "
                "province's inventory's [[centres]]); the pages show these, not the name a "
                "centre's hub sends", check=_check_names)
    revoked_centres: list = setting(
        [], doc="the provincial hub: the centres whose bridge password the province revoked "
                "(written by `motcua provision` from the inventory's `revoked = true`); the "
                "pages show them as \"Đã thu hồi\", not as a link that dropped")
    secret_key_file: str = setting(
        "", doc="file with the key that signs sessions (default: secret_key beside the database)"
    )
    nodes_file: str = setting(
        "", doc="the centre's node registry from `motcua provision` (which counters each "
                "counter node drives); empty: no restriction (development, demo)")
    timezone: str = setting("Asia/Ho_Chi_Minh", doc="time zone in which times are shown")
    log_level: str = setting("INFO", doc="logging level", check=check_log_level)
    live_mqtt_url: str = setting(
        "", doc="the broker's MQTT-over-WebSockets address that live pages read retained state "
                "from, e.g. ws://hub.local:9001 (empty: same host as the page, port 9001)"
    )
    live_mqtt_username: str = setting(
        "", doc="a user live pages log in with, for a broker without anonymous access "
                "(empty: anonymous, as the development broker and the production relay "
                "want it; whatever is set here is public: docs/security.md)")
    live_mqtt_password_file: str = setting(
        "", doc="file holding that user's password (handed to every page that reads the "
                "broker, so it may only read)")
    demo_dir: str = setting(
        "", doc="only in `motcua demo`: the demo's folder, whose screen pictures and printed "
                "tickets the page /demo shows (empty: no /demo page)")
    role: str = setting(
        "centre", doc="'centre' (a centre's hub), 'province' (stores and shows what every "
                      "centre's bridge sends up) or 'national' (the same one level up, from "
                      "every province's bridge; see docs/scaling.md)",
        check=lambda v: None if v in ("centre", "province", "national")
        else "expected 'centre', 'province' or 'national'")
    province_store: str = setting(
        "", doc="with role 'province': where the province keeps what its centres send up, "
                "a PostgreSQL URL such as postgresql://motcua@localhost/province (several "
                "`motcua ingest` workers can then write at once); empty: the hub's own SQLite "
                "file (docs/scaling.md)",
        check=lambda v: None if not v or v.startswith(("postgresql://", "postgres://"))
        else "expected a postgresql:// URL or nothing")
    uplink: bool = setting(
        False, doc="a centre sends summaries up for the province (its broker bridges them); "
                   "`motcua provision` turns it on when the inventory has a [province]")
    mqtt: MqttConfig = section(MqttConfig, doc="the broker")
    http: HttpConfig = section(HttpConfig, doc="the web server")
    calendar: CalendarConfig = section(CalendarConfig, doc="the working calendar")
    dossiers: DossierConfig = section(DossierConfig, doc="dossier codes and deadlines")
    sms: SmsConfig = section(SmsConfig, doc="SMS through a GSM modem (Gammu)")
    email: EmailConfig = section(EmailConfig, doc="notifications by e-mail (SMTP)")
    budget: BudgetConfig = section(BudgetConfig, doc="what one node may cost the hub")
    feedback: FeedbackConfig = section(FeedbackConfig, doc="citizens' complaints and "
                                                            "suggestions")
