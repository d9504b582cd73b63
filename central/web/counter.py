"""Pages of the counter terminal's data: citizens' ratings, neighbouring keypads.

``/ratings`` (supervisors, admins): share satisfied per officer and per
counter, and the newest ratings. ``/admin/keypads`` (admins): which node
drives which neighbouring counter's keypad (one Pi for several counters).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from ..devices import bindings
from ..errors import Refused
from ..feedback import ratings
from . import store, whole_number
from .auth import login_required
from .policy import SUPERVISION

bp = Blueprint("counter", __name__)


@bp.get("/ratings")
@login_required(*SUPERVISION)
def ratings_page():
    db = store().db
    return render_template("counter/ratings.html", summary=ratings.summary(db),
                           officers=ratings.by_officer(db), counters=ratings.by_counter(db),
                           recent=ratings.recent(db), levels=ratings.LEVELS)


def _keypads_page(status=200):
    return render_template("counter/keypads.html", links=bindings.links(store().db),
                           form=request.form if request.method == "POST" else {}), status


@bp.get("/admin/keypads")
@login_required("admin")
def keypads_page():
    return _keypads_page()


@bp.post("/admin/keypads")
@login_required("admin")
def link_keypad():
    f = request.form
    number = whole_number(f.get("number", ""))
    if number is None:
        flash("Số quầy phải là số nguyên.", "error")
        return _keypads_page(422)
    try:
        with store().write() as db:
            bindings.link(db, f.get("node", ""), number, actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return _keypads_page(422)
    flash(f"Thiết bị {f.get('node', '').strip().lower()} đã điều khiển được quầy {number}.",
          "ok")
    return redirect(url_for("counter.keypads_page"))


@bp.post("/admin/keypads/<int:number>/unlink")
@login_required("admin")
def unlink_keypad(number):
    try:
        with store().write() as db:
            bindings.unlink(db, number, actor=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
        return _keypads_page(422)
    flash(f"Đã bỏ liên kết bàn phím của quầy {number}.", "ok")
    return redirect(url_for("counter.keypads_page"))
