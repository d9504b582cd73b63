"""The bus adapter: what the hub does with each message from the floor.

- :mod:`.gateway`: the one MQTT client of the hub; validates, authorises,
  applies once and publishes what the services return, after the commit;
- :mod:`.routes`: each event and request name mapped to a service call;
- :mod:`.idempotency`: a message applied once, whatever the network does;
- :mod:`.reliability`: requests their sender gave up on (no ghost ticket),
  a store that refuses writes, a node whose clock is wrong.

May import every service room (queue, dossiers, catalog, devices, feedback,
statistics, province, accounts, calendar) and the store; no service imports it
back, and the web pages reach it only through ``central.web.gateway()``.
"""
