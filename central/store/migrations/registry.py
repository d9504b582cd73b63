"""The steps of every area, gathered so that the store applies them in name order::

    @migration("0130_something")
    def m0130_something(db):
        db.execute("create table ...")
"""

from __future__ import annotations

from collections.abc import Callable

STEPS: list[tuple[str, Callable]] = []


def migration(name: str) -> Callable[[Callable], Callable]:
    """Register one step under its name (``NNNN_what``), the number giving its order."""
    def register(step: Callable) -> Callable:
        if any(name == known for known, _ in STEPS):
            raise ValueError(f"migration {name} twice")
        STEPS.append((name, step))
        return step
    return register
