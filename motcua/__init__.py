"""motcua: queue, kiosk and dossier tracking for one-stop public service centres.

This package holds what every node shares: configuration, the bus contract and
its MQTT client, the node base class and the ``motcua`` command line. It never
imports Flask, OpenCV or pygame, so the smallest Pi carries only what it needs.
"""

__version__ = "0.1.0"
