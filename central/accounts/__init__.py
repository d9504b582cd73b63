"""Accounts: the people who sign in, how often they may fail, and what they changed.

- :mod:`.users`: admins, supervisors and officers, their roles and passwords;
- :mod:`.throttle`: limits on sign-in attempts per user name and address;
- :mod:`.audit`: the append-only log of who changed what in the centre's setup.

May import: the store, ``central.errors``. Every other room may import it.
"""
