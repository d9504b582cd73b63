"""The working calendar: when the centre's clock runs, and what a deadline means.

- :mod:`.working_time`: sessions, Vietnam's holidays and swaps, working-day
  arithmetic (pure: no store, no settings);
- :mod:`.working_calendar`: the centre's calendar as the store holds it
  (settings plus the admin's overrides).

May import: the store, ``central.config``, ``central.errors``, accounts (the
audit log of overrides).
"""
