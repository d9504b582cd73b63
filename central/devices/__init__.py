"""The devices on the floor: which nodes there are, are they well, what they drive.

- :mod:`.nodes`: the node registry fed by the nodes' retained status and faults;
- :mod:`.bindings`: which counters a counter node may drive (the setup's
  bindings and the installer's inventory, one decision).

May import: the store, ``central.config``, ``central.errors``, accounts.
"""
