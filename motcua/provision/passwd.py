"""Mosquitto's password file, written without ``mosquitto_passwd``.

Mosquitto 2 stores ``username:$7$<iterations>$<salt>$<hash>`` where the hash
is PBKDF2-HMAC-SHA512 of the password, 12 random salt bytes, both in standard
base64. Writing it here means the technician's machine needs no broker
installed; the integration tests check the real broker accepts it::

    >>> line = hash_line("dispenser-1", "correct horse")
    >>> line.startswith("dispenser-1:$7$")
    True
    >>> verify(line.split(":", 1)[1], "correct horse"), verify(line.split(":", 1)[1], "x")
    (True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

ITERATIONS = 1000  # the passwords are 32 random bytes: iterations add little; keep connects cheap
SALT_BYTES = 12


def new_password() -> str:
    """A random password for a machine (never typed by a person)."""
    return secrets.token_urlsafe(32)


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def hash_line(username: str, password: str) -> str:
    if ":" in username or "\n" in username:
        raise ValueError(f"invalid user name {username!r}")
    return f"{username}:{hash_password(password)}"


def verify(hashed: str, password: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (as the broker would decide)."""
    try:
        _, kind, iterations, salt, digest = hashed.split("$")
        if kind != "7":
            return False
        computed = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt),
                                       int(iterations))
        return hmac.compare_digest(base64.b64encode(computed).decode(), digest)
    except ValueError:
        return False


def parse(text: str) -> dict[str, str]:
    """``{username: hash}`` from a password file's text (comments and blanks skipped)."""
    entries = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        username, _, hashed = line.partition(":")
        entries[username] = hashed
    return entries


def render(entries: dict[str, str]) -> str:
    return "".join(f"{user}:{hashed}\n" for user, hashed in sorted(entries.items()))
