"""The hub's settings (``motcua hub --config hub.toml``)."""

from __future__ import annotations

from dataclasses import dataclass

from motcua.config import MqttConfig, check_id, check_log_level, check_port, section, setting


@dataclass(kw_only=True)
class HttpConfig:
    host: str = setting("127.0.0.1", doc="address the web server listens on")
    port: int = setting(8080, doc="port the web server listens on", check=check_port)
    threads: int = setting(
        8, doc="web server threads", check=lambda v: None if 1 <= v <= 64 else "expected 1 to 64"
    )
    secure_cookies: bool = setting(
        False, doc="send the session cookie over HTTPS only (true behind TLS)"
    )


def _check_hhmm(value: str) -> str | None:
    import datetime as dt

    try:
        dt.time.fromisoformat(value)
    except ValueError:
        return "expected a time HH:MM, e.g. '15:00'"
    return None


def _check_sessions(value: list[str]) -> str | None:
    from .working_time import check_sessions

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
    public_url: str = setting(
        "", doc="address of the hub's public pages, for the QR code on receipts "
                "(default: the address the officer uses)"
    )


@dataclass(kw_only=True)
class HubConfig:
    center: str = setting(doc="the centre's id, the second level of every topic", check=check_id)
    center_name: str = setting(
        "Trung tâm Phục vụ hành chính công", doc="the centre's name as shown to citizens"
    )
    database: str = setting("var/motcua.db", doc="path of the SQLite database file")
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
    role: str = setting(
        "centre", doc="'centre' (a centre's hub) or 'province' (stores and shows what every "
                      "centre's bridge sends up; see docs/scaling.md)",
        check=lambda v: None if v in ("centre", "province") else "expected 'centre' or 'province'")
    uplink: bool = setting(
        False, doc="a centre sends summaries up for the province (its broker bridges them); "
                   "`motcua provision` turns it on when the inventory has a [province]")
    mqtt: MqttConfig = section(MqttConfig, doc="the broker")
    http: HttpConfig = section(HttpConfig, doc="the web server")
    calendar: CalendarConfig = section(CalendarConfig, doc="the working calendar")
    dossiers: DossierConfig = section(DossierConfig, doc="dossier codes and deadlines")
