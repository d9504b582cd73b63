"""Configuration: one TOML file per process, with ``MOTCUA_*`` overrides.

Every role describes its settings as dataclasses; :func:`load` reads the file
named by ``--config`` or ``MOTCUA_CONFIG``, applies environment overrides and
checks every key, so that a typo stops the program at start with a message
naming the file, the key and what was expected, instead of a surprise at
opening time::

    >>> from motcua.config import NodeConfig, load
    >>> cfg = load(NodeConfig, "provisioning/examples/dispenser.toml")  # doctest: +SKIP
    >>> cfg.mqtt.port                                                    # doctest: +SKIP
    1883

Environment overrides use ``__`` between a section and its key, so keys may
contain single underscores: ``MOTCUA_NODE_ID=dispenser-2`` sets ``node_id`` and
``MOTCUA_MQTT__PORT=1884`` sets ``port`` in ``[mqtt]``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "MOTCUA_"
ENV_CONFIG = "MOTCUA_CONFIG"
# Not a setting: the demo's clock every process of `motcua demo` follows (motcua.clock).
ENV_DEMO_CLOCK = "MOTCUA_DEMO_CLOCK"

# Centre and node ids become MQTT topic levels and usernames: no wildcards,
# no slashes, nothing a broker ACL pattern could misread.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ConfigError(Exception):
    """A configuration problem, worded for the technician who installs the node."""

    def __init__(self, source: str, key: str, problem: str):
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


def setting(default: Any = dataclasses.MISSING, *, doc: str, check=None, **kwargs):
    """A config field with a description (shown in errors) and an optional check.

    ``check`` takes the value and returns an error text, or ``None`` when fine.
    """
    metadata = {"doc": doc, "check": check}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata, **kwargs)
    return field(default=default, metadata=metadata, **kwargs)


def section(cls, *, doc: str):
    """A nested ``[table]`` of settings, all of whose keys may be omitted."""
    return field(default_factory=cls, metadata={"doc": doc, "check": None})


def check_id(value: str) -> str | None:
    if not ID_PATTERN.match(value):
        return "expected lower-case letters, digits, '-' or '_' (at most 64), e.g. 'dispenser-1'"
    return None


def check_port(value: int) -> str | None:
    if not 1 <= value <= 65535:
        return "expected a TCP port between 1 and 65535"
    return None


def check_log_level(value: str) -> str | None:
    if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        return "expected one of DEBUG, INFO, WARNING, ERROR"
    return None


@dataclass(kw_only=True)
class MqttConfig:
    host: str = setting("127.0.0.1", doc="the broker's host name or address")
    port: int = setting(1883, doc="the broker's port", check=check_port)
    username: str = setting("", doc="MQTT user name (the node id in production)")
    password_file: str = setting("", doc="file holding the MQTT password")
    tls: bool = setting(False, doc="connect with TLS")
    ca_file: str = setting("", doc="CA certificate that signed the broker's certificate")
    keepalive: int = setting(
        15,
        doc="seconds between keep-alive pings; the broker declares the node offline after 1.5x",
        check=lambda v: None if 2 <= v <= 3600 else "expected 2 to 3600 seconds",
    )


@dataclass(kw_only=True)
class NodeConfig:
    """What every node on the floor needs: who it is and where the broker is."""

    center: str = setting(doc="the centre's id, the second level of every topic", check=check_id)
    node_id: str = setting(doc="this node's id, also its MQTT user name", check=check_id)
    log_level: str = setting("INFO", doc="logging level", check=check_log_level)
    mqtt: MqttConfig = section(MqttConfig, doc="the broker")
    simulate: bool = setting(
        False, doc="use fake hardware (gpiozero MockFactory, dummy printer, no screen)"
    )


_TYPE_WORDS = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}


def _describe(tp) -> str:
    if typing.get_origin(tp) is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {_describe(inner).removeprefix('a ').removeprefix('an ')}s"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return _TYPE_WORDS.get(tp, getattr(tp, "__name__", str(tp)))


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", list: "a list"}.get(
        type(value), type(value).__name__
    )


def _check_type(tp, value) -> bool:
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typing.get_origin(tp) is list:
        (inner,) = typing.get_args(tp)
        return isinstance(value, list) and all(_check_type(inner, v) for v in value)
    return isinstance(value, tp)


def _build(cls, data: dict, source: str, prefix: str):
    if not isinstance(data, dict):
        raise ConfigError(source, prefix.rstrip("."), f"expected a table, got {_type_name(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        where = f"[{prefix.rstrip('.')}]" if prefix else "the top level"
        raise ConfigError(
            source,
            prefix + unknown[0],
            f"unknown key in {where}; expected one of: {', '.join(sorted(fields))}",
        )
    values = {}
    for name, f in fields.items():
        key = prefix + name
        tp = hints[name]
        if isinstance(tp, types.UnionType):  # pragma: no cover - not used in schemas
            raise TypeError(f"{cls.__name__}.{name}: unions are not supported")
        doc = f.metadata.get("doc", "")
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(source, key, f"missing; expected {_describe(tp)} ({doc})")
            continue
        value = data[name]
        if dataclasses.is_dataclass(tp):
            values[name] = _build(tp, value, source, key + ".")
            continue
        if not _check_type(tp, value):
            raise ConfigError(
                source, key, f"expected {_describe(tp)} ({doc}), got {_type_name(value)} {value!r}"
            )
        if tp is float:
            value = float(value)
        check = f.metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(source, key, f"{problem}, got {value!r}")
        values[name] = value
    return cls(**values)


def _parse_env_value(tp, text: str, var: str):
    if tp is str:
        return text
    if tp is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"environment {var}", "", f"expected true or false, got {text!r}")
    if tp in (int, float):
        try:
            return tp(text)
        except ValueError:
            raise ConfigError(
                f"environment {var}", "", f"expected {_describe(tp)}, got {text!r}"
            ) from None
    if typing.get_origin(tp) is list:
        (inner,) = typing.get_args(tp)
        return [_parse_env_value(inner, part.strip(), var) for part in text.split(",") if part]
    raise ConfigError(f"environment {var}", "", "this setting cannot be set from the environment")


def _apply_env(cls, data: dict, env: typing.Mapping[str, str]) -> None:
    for var, text in env.items():
        if not var.startswith(ENV_PREFIX) or var in (ENV_CONFIG, ENV_DEMO_CLOCK):
            continue
        path = var[len(ENV_PREFIX) :].lower().split("__")
        target, schema = data, cls
        for i, part in enumerate(path):
            hints = typing.get_type_hints(schema)
            if part not in hints:
                raise ConfigError(
                    f"environment {var}",
                    "",
                    f"no setting '{'.'.join(path[: i + 1])}'; expected one of: "
                    + ", ".join(sorted(hints)),
                )
            tp = hints[part]
            if i == len(path) - 1:
                if dataclasses.is_dataclass(tp):
                    raise ConfigError(f"environment {var}", "", "names a table, not a setting")
                target[part] = _parse_env_value(tp, text, var)
            else:
                if not dataclasses.is_dataclass(tp):
                    raise ConfigError(f"environment {var}", "", f"'{part}' is not a table")
                target = target.setdefault(part, {})
                if not isinstance(target, dict):
                    raise ConfigError(f"environment {var}", "", f"'{part}' is not a table")
                schema = tp


def config_path(explicit: str | os.PathLike | None, env=None) -> Path:
    """The config file to read: ``--config`` first, then ``MOTCUA_CONFIG``."""
    env = os.environ if env is None else env
    chosen = explicit or env.get(ENV_CONFIG)
    if not chosen:
        raise ConfigError(
            "configuration", "", f"no file given: pass --config FILE or set {ENV_CONFIG}"
        )
    return Path(chosen)


def load(cls, path: str | os.PathLike | None = None, env: typing.Mapping[str, str] | None = None):
    """Read, override and check a config file; raise :class:`ConfigError` on any problem."""
    env = os.environ if env is None else env
    path = config_path(path, env)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(source, "", "not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None
    _apply_env(cls, data, env)
    return _build(cls, data, source, "")


def from_dict(cls, data: dict, source: str = "settings"):
    """Check a dict as if it were a file (used by the demo and the tests)."""
    return _build(cls, data, source, "")
