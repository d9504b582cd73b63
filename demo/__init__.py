"""The demo: a whole centre on one machine, every node on fake hardware (``motcua demo``).

A client of the centre like any other: it starts the broker, the hub and the
nodes as processes, drives the floor through the bus (buttons pressed, keys
pressed, as a dispenser's and a counter's Pi would), and keeps dossiers moving
through the hub's own services. It never reaches around them: no SQL of its
own on the hub's tables.

- :mod:`.centre`: the processes, their settings, the sample centre, a clean stop;
- :mod:`.floor`: simulated citizens and officers, a working day on the floor;
- :mod:`.dossiers`: the dossier desk (reception, transfers, supplements, results).

May import: ``motcua``, the hub's service rooms (``central.*``). Nothing
imports it: not ``motcua`` (every Pi installs that), not the hub, not a node.
"""
