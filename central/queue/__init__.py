"""The queue: from a button press to a called number (issue 3).

- :mod:`.setup`: services, counters, priority classes, settings; load a
  centre from a TOML/JSON file (:func:`setup.load_file`);
- :mod:`.tickets`: issuing tickets (numbering per service and business day);
- :mod:`.strategy`: the pluggable calling order;
- :mod:`.commands`: counter commands (next, recall, no-show, finish, …);
- :mod:`.state`: the retained state published for the floor and the pages.

Routes (``central/bus/routes.py``) and web views call these functions; none of
them talks to the bus: they return what to publish, and the caller
publishes it after the commit.

May import: the store, ``central.errors``, documents, accounts, catalog (the
departments), devices (node clocks).
"""
