"""Fee pages: record what was collected for a dossier; reports, XLSX and the closing sheet.

``/fees/dossier/<id>`` (staff): the catalog's fee items for the dossier's
channel, what was recorded so far, and a form for one more entry (payment,
exemption, refund). ``/fees/report`` (staff): totals per department and per
officer for a day or a period, with every receipt; ``.xlsx`` and the
printable closing sheet (``/fees/closing.pdf``) from the same figures.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from motcua import clock
from motcua.public_terms import confirmed
from motcua.text import plain_words

from .. import catalog, dossiers
from ..calendar.working_time import VN
from ..catalog import procedures
from ..documents.formats import parse_day
from ..documents.letterhead import Letterhead
from ..dossiers import fees
from ..errors import Refused
from . import store
from .auth import login_required
from .policy import STAFF

bp = Blueprint("fees", __name__)


@bp.get("/fees/dossier/<int:dossier_id>")
@login_required(*STAFF)
def dossier(dossier_id: int):
    db = store().db
    d = dossiers.get(db, dossier_id)
    if d is None:
        abort(404, description="Không có hồ sơ này.")
    procedure = procedures.get(db, d["procedure_id"])
    # The catalog's amounts may be unchecked: the officer about to collect them is told.
    unchecked = procedure is not None and not confirmed(procedure["details"], "fees")
    return render_template("fees/dossier.html", d=d, items=fees.items_for(db, dossier_id),
                           fees_unconfirmed=unchecked,
                           entries=fees.entries_for(db, dossier_id),
                           balance=fees.balance(db, dossier_id), kinds=fees.KINDS,
                           methods=fees.METHODS, stages=fees.STAGES, money=fees.money)


@bp.post("/fees/dossier/<int:dossier_id>")
@login_required(*STAFF)
def record(dossier_id: int):
    entry = {k: request.form.get(k, "") for k in ("kind", "item", "amount", "method",
                                                  "receipt_no", "refund_of", "stage", "note")}
    try:
        row = fees.record(store(), dossier_id, entry, officer=g.user["username"])
    except Refused as refusal:
        flash(refusal.message, "error")
    else:
        flash(f"Đã ghi: {fees.KINDS[row['kind']]} {fees.money(row['amount'])}.", "ok")
    return redirect(url_for("fees.dossier", dossier_id=dossier_id))


def _report():
    today = clock.now().astimezone(VN).date().isoformat()
    try:
        first = parse_day(request.args.get("from") or request.args.get("day") or today,
                          "Từ ngày").isoformat()
        last = parse_day(request.args.get("to") or first, "Đến ngày").isoformat()
    except ValueError as bad:
        abort(400, description=str(bad))
    department = request.args.get("department", type=int)
    officer = request.args.get("officer") or None
    try:
        return fees.report(store().db, first, last, department_id=department, officer=officer)
    except Refused as refusal:
        abort(400, description=refusal.message)


@bp.get("/fees/report")
@login_required(*STAFF)
def report():
    return render_template("fees/report.html", rep=_report(), money=fees.money,
                           period=fees.period_text, args=request.args,
                           departments=catalog.departments(store().db))


@bp.get("/fees/report.xlsx")
@login_required(*STAFF)
def report_xlsx():
    rep = _report()
    data = fees.report_xlsx(rep, Letterhead.of(current_app.config["MOTCUA"]))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sheet", headers={
        "Content-Disposition": _download("attachment", "Bảng kê thu phí, lệ phí", rep,
                                         "xlsx")})


@bp.get("/fees/closing.pdf")
@login_required(*STAFF)
def closing_pdf():
    rep = _report()
    pdf = fees.closing_pdf(rep, Letterhead.of(current_app.config["MOTCUA"]),
                           g.user["full_name"])
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": _download("inline", "Bảng tổng hợp thu phí, lệ phí", rep,
                                         "pdf")})


def _download(kind: str, title: str, rep: dict, ext: str) -> str:
    """A Vietnamese download name (RFC 6266 / 5987) and its plain-letter fallback:
    'Bảng kê thu phí, lệ phí 27.11.2026.xlsx' / 'Bang-ke-thu-phi-le-phi_27-11-2026.xlsx'."""
    days = [dt.date.fromisoformat(rep["first_day"]), dt.date.fromisoformat(rep["last_day"])]
    if days[0] == days[1]:
        days = days[:1]
    plain = f"{plain_words(title)}_{'_'.join(f'{d:%d-%m-%Y}' for d in days)}.{ext}"
    full = f"{title} {' đến '.join(f'{d:%d.%m.%Y}' for d in days)}.{ext}"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(full)}"
