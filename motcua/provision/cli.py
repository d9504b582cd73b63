"""The ``motcua provision`` sub-command: run :func:`provision`, list what changed.

Secrets are never printed: only file names and what happened to them.
"""

from __future__ import annotations

import sys
from pathlib import Path


def provision_command(args) -> int:
    try:
        # Lazy, so that a missing extra is said plainly.
        from . import ProvisionError, provision
        from .inventory import InventoryError
    except ModuleNotFoundError as exc:  # cryptography is in the `provision` extra only
        print(f"motcua provision: {exc.name} is missing: pip install 'motcua[provision]'",
              file=sys.stderr)
        return 2
    try:
        result = provision(args.inventory, args.out, rotate=args.rotate,
                           one_machine=getattr(args, "one_machine", False))
    except (InventoryError, ProvisionError) as exc:
        print(f"motcua provision: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    for word, paths in (("created", result.created), ("updated", result.updated)):
        for path in paths:
            print(f"{word:9} {path.relative_to(out)}")
    for user in result.removed_users:
        print(f"removed   {user} from broker/passwd (no longer in the inventory)")
    print(f"{len(result.changed())} files written, {len(result.unchanged)} unchanged, in {out}")
    return 0
