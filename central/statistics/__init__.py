"""Statistics: the figures of the floor and of the dossiers, as reports, charts, exports.

- :mod:`.facts`: the dossier digest kept by triggers (one row per dossier);
- :mod:`.period_report`: Biểu 06, the period report; :mod:`.exports`, :mod:`.charts`;
- :mod:`.queue_figures`, :mod:`.officers`, :mod:`.supervision`, :mod:`.live`;
- :mod:`.dossier_figures`: each department's figures for the hall screens;
- :mod:`.rules`: breaches of the one-stop rules; :mod:`.popular`: the procedures
  citizens come for most.

May import: the store, ``central.alarms``, documents, calendar, devices, queue,
dossiers. It reads; it changes nothing the services own.
"""
