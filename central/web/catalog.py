"""Catalog pages: public search and procedure pages; admin import, browse, edit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from .. import catalog
from ..catalog import procedures
from ..catalog.importing import ImportRefused
from . import gateway, store
from .auth import login_required

bp = Blueprint("catalog", __name__)


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
    return render_template("catalog/search.html", q=q, filters=filters, results=results,
                           **_choices(db))


@bp.get("/thu-tuc/<code>")
def procedure(code):
    proc = procedures.current(store().db, code)
    if proc is None:
        abort(404, description=f"Không có thủ tục mã “{code}”.")
    return render_template("catalog/procedure.html", p=proc, units=procedures.TIME_UNITS,
                           channels=procedures.CHANNELS, levels=procedures.LEVELS,
                           department=_department_name(proc))


def _department_name(proc) -> str:
    for d in catalog.departments(store().db):
        if d["id"] == proc["department_id"]:
            return d["name"]
    return ""


@bp.route("/quan-tri/thu-tuc", methods=["GET", "POST"])
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
    rows = catalog.browse(db, limit=2000, **_filters())
    return render_template("catalog/admin.html", rows=rows, problems=problems,
                           filters=_filters(), state=catalog.state(db), **_choices(db)), \
        (400 if problems else 200)


@bp.route("/quan-tri/thu-tuc/<code>", methods=["GET", "POST"])
@login_required("admin")
def edit(code):
    db = store().db
    proc = procedures.current(db, code)
    if proc is None:
        abort(404, description=f"Không có thủ tục mã “{code}”.")
    problems = []
    if request.method == "POST":
        changes = _changes_from_form(proc)
        try:
            catalog.edit(store(), code, changes, g.user["username"])
        except ImportRefused as refused:
            problems = [str(p).replace("Dòng 1, ", "") for p in refused.problems]
        else:
            catalog.publish_state(gateway(), store().db)
            flash("Đã lưu: thủ tục được công bố phiên bản mới; hồ sơ cũ giữ phiên bản cũ.")
            return redirect(url_for("catalog.edit", code=code))
    return render_template("catalog/edit.html", p=proc, problems=problems,
                           versions=catalog.versions(db, code), units=procedures.TIME_UNITS,
                           channels=procedures.CHANNELS, **_choices(db)), \
        (400 if problems else 200)


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _int_or_text(value: str):
    text = value.strip().replace(".", "")
    return int(text) if text.isdigit() else value.strip()


def _changes_from_form(proc) -> dict:
    form = request.form
    channels = []
    for c in proc["details"].get("channels", []):
        name = c["channel"]
        channels.append({**c, "time_limit": _int_or_text(form.get(f"{name}_time_limit", "")),
                         "unit": form.get(f"{name}_unit", c.get("unit")),
                         "fees": [{"name": "Lệ phí" if form.get(f"{name}_fee", "0") not in
                                   ("0", "") else "Miễn lệ phí",
                                   "amount": _int_or_text(form.get(f"{name}_fee", "0") or "0")}]})
    components = []
    for line in _lines("components"):
        bits = [b.strip() for b in line.split("|")]
        comp = {"name": bits[0],
                "originals": _int_or_text(bits[1]) if len(bits) > 1 else 1,
                "copies": _int_or_text(bits[2]) if len(bits) > 2 else 0}
        if len(bits) > 3 and bits[3]:
            comp["form"] = bits[3]
        components.append(comp)
    return {"name": form.get("name", "").strip(), "field": form.get("field", "").strip(),
            "level": form.get("level", ""), "department": form.get("department") or None,
            "channels": channels, "components": components, "steps": _lines("steps"),
            "unconfirmed": _lines("unconfirmed")}
