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
    timezone: str = setting("Asia/Ho_Chi_Minh", doc="time zone in which times are shown")
    log_level: str = setting("INFO", doc="logging level", check=check_log_level)
    live_mqtt_url: str = setting(
        "", doc="the broker's MQTT-over-WebSockets address that live pages read retained state "
                "from, e.g. ws://hub.local:9001 (empty: same host as the page, port 9001)"
    )
    mqtt: MqttConfig = section(MqttConfig, doc="the broker")
    http: HttpConfig = section(HttpConfig, doc="the web server")
