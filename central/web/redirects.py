"""Old addresses, moved to the URL rule of docs/development.md ("Addresses"): a
bookmark, a printed receipt's QR code or a link in an SMS keeps working.

GET only, and permanent (301), with the query string kept: ``/lookup?code=X`` →
``/tra-cuu?code=X``. A form posted to an old address is not followed (every
form is rendered from the new one, and a POST must carry its CSRF token to
the route that checks it).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

bp = Blueprint("moved", __name__)

# old rule → the endpoint now serving it (its arguments carried over)
MOVED = {
    "/lookup": "dossiers.lookup",
    "/quan-tri/thu-tuc": "catalog.admin",
    "/quan-tri/thu-tuc/<code>": "catalog.edit",
    "/quan-tri/xuat-danh-muc.<kind>": "catalog.export",
    "/phan-anh": "feedback.desk",
    "/phan-anh/<int:feedback_id>": "feedback.show",
}


def _moved(endpoint: str):
    def view(**values):
        target = url_for(endpoint, **values)
        query = request.query_string.decode("latin-1")
        return redirect(f"{target}?{query}" if query else target, code=301)

    return view


for rule, endpoint in MOVED.items():
    bp.add_url_rule(rule, f"from_{endpoint.replace('.', '_')}", _moved(endpoint),
                    methods=["GET"])
