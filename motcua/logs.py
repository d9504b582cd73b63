"""Logging set-up shared by every process (journald adds its own timestamps)."""

import logging
import sys


def setup(level: str = "INFO", name: str = "motcua") -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format=f"%(asctime)s {name} %(levelname)s %(name)s: %(message)s",
    )
    # paho logs every reconnect attempt at INFO through our loggers already.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
