"""Issuing queue tickets on a node: shared by the dispenser and the kiosk.

Everything a node needs to hand a citizen a number, with or without the hub:

- :mod:`.issuer`: :class:`~.issuer.TicketIssuer`, the printing worker (a press
  queues a job; online the hub issues the ticket, offline it comes from a
  leased number block; offline tickets reach the hub once, in order);
- :mod:`.outbox`: the durable SQLite memory of leased blocks and offline tickets;
- :mod:`.ticket`: the ticket's layout (Vietnamese drawn as images, number, QR, cut);
- :mod:`.printer`, :mod:`.printer_config`: the python-escpos printer and its status.

Only :mod:`.config`, :mod:`.issuer` and :mod:`.outbox` are light; the layout
and the printer import Pillow and python-escpos, which the worker loads after
the node is online. A node that issues tickets installs the ``dispenser`` or
``kiosk`` extra, which carry them.
"""
