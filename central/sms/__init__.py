"""Reaching citizens off-site (issue 14): SMS through a GSM modem, e-mail.

- :mod:`.text`: reading a look-up SMS, writing the Vietnamese replies and notices;
- :mod:`.outbox`: the delivery log (every message in and out, its state, retries);
- :mod:`.notices`: which dossier events and queue tickets call for a notice;
- :mod:`.modem`: the GSM modem through python-gammu;
- :mod:`.mailer`: e-mail through smtplib;
- :mod:`.worker`: the hub thread that ties them together (``motcua hub`` starts
  it when ``[sms] enabled`` or ``[email] host`` is set).

May import: the store, ``central.config``, ``central.alarms``, calendar, dossiers, queue,
appointments.
"""
