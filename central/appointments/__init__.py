"""Appointments (issue 26): a citizen books a slot of a service, from home or the kiosk.

- :mod:`.rules`: the centre's booking rules (slot length, how far ahead, limits per
  phone and per address) and each service's (bookable, share kept for walk-ins);
- :mod:`.slots`: the bookable slots of a service, computed from the counters that
  serve it, the working calendar and the closures; seats per slot;
- :mod:`.bookings`: book, move, cancel with the code and the phone; what the floor
  calls (:func:`bookings.find`, :func:`bookings.mark_checked_in`,
  :func:`bookings.mark_no_show`, :func:`bookings.bookings_between`); bookings a change
  of counters or calendar leaves without a seat (:func:`bookings.recheck`).

Every change writes an ``appointment_events`` row in the same transaction; the SMS
worker (``central/sms/notices.py``) reads them on its own turn and tells the
citizen, as it does for dossiers. Nothing here publishes on the bus or sends.

May import: the store, ``central.config``, ``central.errors``, accounts (audit),
calendar (working days and sessions), catalog (procedures), queue (services and
counters).
"""
