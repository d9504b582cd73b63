"""The hub's front page for citizens, and its icon."""

from flask import Blueprint, current_app, render_template, send_from_directory

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the same SVG icon."""
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)
