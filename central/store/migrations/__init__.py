"""Numbered schema migrations, one module per area, applied in name order when the store opens.

Each step is frozen SQL: it never imports the hub's live code, whose tables and
queries move on while a shipped step must build today what it built the day it
shipped (a step that called today's statistics code would build today's
tables in a database that then records an old step as applied). The one
exception is the search index's folding (:mod:`motcua.search`), which must be
the fold the search uses when it reads.

The steps' names are the ones centres' databases have recorded
(``_sqlite_migrations``, set ``motcua``) since they shipped; the number sets
the order across areas. Add a step with the next free number to its area's
module; never edit one that has shipped.

May import: ``motcua.search`` (above). Imported by :mod:`central.store` alone.
"""

from sqlite_utils.migrations import Migrations

from . import (  # noqa: F401  (each registers its steps)
    accounts,
    appointments,
    bus,
    calendar,
    catalog,
    devices,
    dossiers,
    feedback,
    province,
    queue,
    sms,
    statistics,
)
from .registry import STEPS

migrations = Migrations("motcua")
for _name, _step in sorted(STEPS, key=lambda step: step[0]):
    migrations(name=_name)(_step)
