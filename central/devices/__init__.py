"""The devices on the floor: which nodes there are, are they well, what they drive.

- :mod:`.nodes`: the node registry fed by the nodes' retained status and faults;
- :mod:`.keypads` and :mod:`.registry`: which counters a counter node may command.

May import: the store, ``central.config``, ``central.errors``, accounts.
"""
