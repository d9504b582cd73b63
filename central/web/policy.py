"""Who may use each web route: one table, checked against the app by the tests.

``tests/test_route_policy.py`` visits every route of ``app.url_map`` as an
anonymous visitor and as each role, and fails when a route is missing here or
behaves otherwise than declared. A new route is added here, keyed by its
endpoint (``blueprint.function``), in the same change::

    ROUTE_POLICY["queue.console"] = STAFF
    SAMPLE_ARGS["ticket_id"] = 1          # if its URL has a new argument name

Values: ``PUBLIC`` (anyone, signed in or not) or a set of roles
(``ADMIN``, ``SUPERVISION`` = supervisor and admin, ``STAFF`` = all three).
Public routes must never show personal data.
"""

from __future__ import annotations

PUBLIC = "public"
ADMIN = frozenset({"admin"})
SUPERVISION = frozenset({"supervisor", "admin"})
STAFF = frozenset({"officer", "supervisor", "admin"})

ROUTE_POLICY: dict[str, str | frozenset[str]] = {
    "static": PUBLIC,
    "public.index": PUBLIC,
    "public.favicon": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "health.healthz": PUBLIC,
    # motcua demo only (404 elsewhere): pictures of simulated screens and printed
    # tickets; tickets carry a number and a service, no personal data.
    "demo.page": PUBLIC,
    "demo.picture": PUBLIC,
    # Device ids, states and fault texts: no personal data; the technician's page.
    "nodes.page": PUBLIC,
    "nodes.api": PUBLIC,
    "admin_users.index": ADMIN,
    "admin_users.create": ADMIN,
    "admin_users.edit": ADMIN,
    "admin_users.update": ADMIN,
    "admin_users.password": ADMIN,
    "admin_users.unlock": ADMIN,
    "admin_users.unlock_address": ADMIN,
    "audit.page": SUPERVISION,
    # The procedure catalog: public search and pages; import and edit for admins.
    "catalog.search": PUBLIC,
    "catalog.procedure": PUBLIC,
    "catalog.admin": ADMIN,
    "catalog.edit": ADMIN,
    "catalog.export": ADMIN,
    # Dossiers: the public lookup masks the applicant; the rest is staff work.
    "dossiers.lookup": PUBLIC,
    "dossiers.reception": STAFF,
    "dossiers.receive": STAFF,
    "dossiers.show": STAFF,
    "dossiers.act": STAFF,
    "dossiers.scan": STAFF,
    "dossiers.work_lists": STAFF,
    "dossiers.receipt_pdf": STAFF,
    "dossiers.receipt_ticket": STAFF,
    "dossiers.form": STAFF,
    "dossiers.calendar_overrides": ADMIN,
    # The queue: a ticket's own live page (no personal data), the officer's
    # console, the supervisor's live view and the admin's setup.
    "queue.ticket_page": PUBLIC,
    "queue.console": STAFF,
    "queue.take_counter": STAFF,
    "queue.command": STAFF,
    "queue.supervisor": SUPERVISION,
    # Who is at each counter (the counters' public state carries no names; audit3).
    "queue.officers": SUPERVISION,
    "queue_admin.setup_page": ADMIN,
    "queue_admin.save_service": ADMIN,
    "queue_admin.save_counter": ADMIN,
    "queue_admin.save_priority": ADMIN,
    "queue_admin.save_settings": ADMIN,
    "queue_admin.import_file": ADMIN,
    # Counter terminals: ratings for the inspection team, keypad links for admins.
    "counter.ratings_page": SUPERVISION,
    "counter.keypads_page": ADMIN,
    "counter.link_keypad": ADMIN,
    "counter.unlink_keypad": ADMIN,
    # The provincial hub (issue 12): every centre's figures, officers' names.
    "province.index": SUPERVISION,
    "province.floor": SUPERVISION,
    "province.overdue": SUPERVISION,
    "province.officers": SUPERVISION,
    # SMS and e-mail (issue 14): the delivery log shows phone numbers and
    # e-mail addresses (staff only); a ticket's holder leaves a phone number
    # from the ticket's own page (the token is the ticket's secret).
    "sms.log_page": STAFF,
    "sms.retry": SUPERVISION,
    "sms.ticket_phone": PUBLIC,
    # Fees (issue 15): officers record what they collect and close their day.
    "fees.dossier": STAFF,
    "fees.record": STAFF,
    "fees.report": STAFF,
    "fees.report_xlsx": STAFF,
    "fees.closing_pdf": STAFF,
    # Feedback (issue 15): the public form and published answers (no personal
    # data: the citizen's own page is named by an unguessable token); the
    # inspection team's desk (supervisors and admins).
    "feedback.form": PUBLIC,
    "feedback.submit": PUBLIC,
    "feedback.status": PUBLIC,
    "feedback.published": PUBLIC,
    "feedback.desk": SUPERVISION,
    "feedback.show": SUPERVISION,
    "feedback.assign": SUPERVISION,
    "feedback.answer": SUPERVISION,
    "feedback.publish": SUPERVISION,
    # Statistics and supervision (issue 9): the report and the dashboard for the
    # inspection team; the public page shows figures only, no dossier or name.
    "statistics.report_page": SUPERVISION,
    "statistics.export": SUPERVISION,
    "statistics.dashboard": SUPERVISION,
    "statistics.dashboard_panel": SUPERVISION,
    "statistics.public_page": PUBLIC,
    # Appointments (issue 26): the citizen's booking pages show only bookings this
    # browser made or opened with the code and the phone; staff handle bookings a
    # change left without a seat (names, phones); admins set the rules and closures.
    "appointments.start": PUBLIC,
    "appointments.submit": PUBLIC,
    "appointments.mine": PUBLIC,
    "appointments.lookup": PUBLIC,
    "appointments.move_page": PUBLIC,
    "appointments.move": PUBLIC,
    "appointments.cancel": PUBLIC,
    "appointments.forget": PUBLIC,
    "appointments.affected": STAFF,
    # Issue 26: the next hour's bookings (masked names) on the console and /live.
    "queue.next_hour_bookings": STAFF,
    "appointments.staff_cancel": STAFF,
    "appointments.staff_move": STAFF,
    "appointments.setup_page": ADMIN,
    "appointments.save_settings": ADMIN,
    "appointments.save_service": ADMIN,
    "appointments.close": ADMIN,
    "appointments.reopen": ADMIN,
    # Old addresses (central/web/redirects.py): a 301 to the new one, which
    # applies its own policy.
    "moved.from_dossiers_lookup": PUBLIC,
    "moved.from_catalog_admin": PUBLIC,
    "moved.from_catalog_edit": PUBLIC,
    "moved.from_catalog_export": PUBLIC,
    "moved.from_feedback_desk": PUBLIC,
    "moved.from_feedback_show": PUBLIC,
}

# Values for URL arguments when the test builds a route's URL, by argument name
# (a missing name gets 1 for numeric converters, "x" otherwise).
SAMPLE_ARGS: dict[str, object] = {
    "filename": "style.css",
    "username": "admin",
    "number": "02",
    "kind": "display",
    "picture": "frame-000001.png",
    "fmt": "csv",
}
