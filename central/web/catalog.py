"""Catalog pages: public search and procedure pages; admin import, browse, edit."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from motcua import clock
from motcua.public_terms import (
    ASK_OFFICER,
    PARTS,
    channel_notes,
    confirmed,
    fee_items,
    fee_line,
    public_details,
    source_lines,
    source_phrase,
    unconfirmed,
)
from motcua.search import national_code, note_for

from .. import catalog
from ..appointments import bookings
from ..calendar.working_time import VN
from ..catalog import file_format, procedures
from ..catalog.importing import ImportRefused, nfc, record_from_cells
from ..statistics.popular import popular_procedures
from . import config, gateway, store
from .auth import login_required

bp = Blueprint("catalog", __name__)
# Staff pages (reception) say which of a procedure's values nobody checked.
bp.add_app_template_global(unconfirmed, "unconfirmed_parts")
bp.add_app_template_global(fee_line)
bp.add_app_template_global(fee_items)


@bp.app_template_global()
def code_confirmed(code: str) -> bool:
    """Whether a procedure's code may be shown to a citizen: an unconfirmed code (89 of the
    sample's 225: "code" in ``unconfirmed``, or no publishing decision) is staff-only, as
    every unconfirmed part is (motcua.public_terms); one sample record carried another
    procedure's code. The code still names the page's address, as a key, not a claim."""
    proc = procedures.current(store().db, code)
    return proc is not None and confirmed(proc["details"], "code")


def _filters() -> dict:
    return {k: (request.args.get(k) or "").strip() or None
            for k in ("department", "field", "level")}


def _choices(db) -> dict:
    return {"departments": catalog.departments(db), "fields": catalog.fields(db),
            "levels": procedures.LEVELS}


@bp.get("/thu-tuc")
def search():
    db = store().db
    q = (request.args.get("q") or "").strip()[:100]
    filters = _filters()
    if q:
        results = catalog.search(db, q, limit=50, **filters)
    else:
        results = catalog.browse(db, limit=50, **filters) if any(filters.values()) else []
    popular = [] if (q or any(filters.values())) else popular_procedures(
        db, clock.now().astimezone(VN).date())
    return render_template("catalog/search.html", q=q, filters=filters, results=results,
                           popular=popular, withdrawn=_withdrawn_code(db, q),
                           note=note_for(q) if q else None, **_choices(db))


def _withdrawn_code(db, q: str) -> dict | None:
    """A withdrawn procedure's code typed in the search (from a paper or a receipt): the
    record and what replaced it, so the page can say where to go instead."""
    return procedures.withdrawal(db, procedures.current(db, national_code(q) or nfc(q))
                                 if q else None)


@bp.get("/thu-tuc/<code>")
def procedure(code):
    proc = procedures.current(store().db, code)
    if proc is None:
        abort(404, description=f"Không có thủ tục mã “{code}”.")
    told = procedures.withdrawal(store().db, proc)
    if told:
        # Reached from a bookmark or a printed code: say so, and where to go instead.
        return render_template("catalog/withdrawn.html", p=proc, new=told["new"],
                               new_code=proc["details"].get("replaced_by"), line=told["line"],
                               levels=procedures.LEVELS), 410
    # A public page: only what the publishing decision confirms (docs/catalog.md).
    day = clock.today()  # only the fee items in force today, in Vietnam time
    shown = {**proc, "details": public_details(proc["details"], day)}
    return render_template("catalog/procedure.html", p=shown, day=day,
                           units=procedures.TIME_UNITS,
                           channels=procedures.CHANNELS, levels=procedures.LEVELS,
                           department=_department_name(proc), ask=ASK_OFFICER,
                           source=source_phrase(proc["details"], config().center_name),
                           sources=source_lines(proc["details"]),
                           notes=channel_notes(proc["details"]),
                           # No booking offered where no line takes the procedure,
                           # nor for a level the centre does not receive.
                           bookable=bookings.bookable_line(store().db, proc) is not None)


def _department_name(proc) -> str:
    for d in catalog.departments(store().db):
        if d["id"] == proc["department_id"]:
            return d["name"]
    return ""


@bp.route("/admin/catalog", methods=["GET", "POST"])
@login_required("admin")
def admin():
    db = store().db
    problems = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = ["Chưa chọn tệp để nhập."]
        else:
            try:
                result = catalog.import_file(store(), upload.filename, upload.read(),
                                             g.user["username"])
            except ImportRefused as refused:
                problems = [str(p) for p in refused.problems]
            else:
                catalog.publish_state(gateway(), store().db)
                flash(f"Đã nhập “{upload.filename}”: {result.added} thủ tục mới, "
                      f"{result.updated} cập nhật, {result.unchanged} không đổi. "
                      f"Phiên bản danh mục: {result.version}.")
                return redirect(url_for("catalog.admin"))
    rows = catalog.browse(db, limit=2000, withdrawn=True, **_filters())
    return render_template("catalog/admin.html", rows=rows, problems=problems,
                           filters=_filters(), state=catalog.state(db), **_choices(db)), \
        (400 if problems else 200)


EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/admin/catalog/export.<kind>")
@login_required("admin")
def export(kind):
    if kind not in EXPORT_TYPES:
        abort(404, description="Chỉ xuất được JSON, CSV hoặc Excel (.xlsx).")
    data = file_format.export_file(store().db, kind)
    return Response(data, mimetype=EXPORT_TYPES[kind], headers={
        "Content-Disposition": f"attachment; filename=danh-muc-thu-tuc.{kind}"})


@bp.route("/admin/catalog/<code>", methods=["GET", "POST"])
@login_required("admin")
def edit(code):
    db = store().db
    proc = procedures.current(db, code)
    if proc is None:
        abort(404, description=f"Không có thủ tục mã “{code}”.")
    problems = []
    (record,) = [r for r in file_format.records(db)[0] if r["code"] == code]
    cells = file_format.row_cells(record)
    if request.method == "POST":
        cells = _cells_from_form(code)
        try:
            catalog.import_records(store(), [(1, nfc(record_from_cells(cells)))],
                                   g.user["username"], source=f"edit:{code}")
        except ImportRefused as refused:
            problems = [str(p).replace("Dòng 1, ", "") for p in refused.problems]
        else:
            catalog.publish_state(gateway(), store().db)
            flash("Đã lưu: thủ tục được công bố phiên bản mới; hồ sơ cũ giữ phiên bản cũ.")
            return redirect(url_for("catalog.edit", code=code))
    return render_template("catalog/edit.html", p=proc, cells=cells, problems=problems,
                           versions=catalog.versions(db, code), parts=PARTS,
                           unconfirmed=set(cells["unconfirmed"].split()),
                           online_levels=ONLINE_LEVELS, **_choices(db)), \
        (400 if problems else 200)


ONLINE_LEVELS = {"full": "Toàn trình", "partial": "Một phần", "info": "Chỉ cung cấp thông tin"}


def _cells_from_form(code: str) -> dict:
    """The edit form is one row of the catalog sheet (central.catalog.file_format.COLUMNS)."""
    form = request.form
    cells = {c: form.get(c, "") for c in file_format.COLUMNS}
    cells["code"] = code
    for flag in file_format.FLAGS:
        cells[flag] = "có" if form.get(flag) else ""
    cells["unconfirmed"] = "\n".join(p for p in PARTS if form.get(f"unconfirmed_{p}"))
    return cells
