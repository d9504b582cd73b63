"""The procedures citizens come for most: what /thu-tuc shows before any search.

::

    popular_procedures(db, today, limit=8)
    # [{"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
    #   "department_name": "Sở Tư pháp", "received": 41}, ...]

Counted from ``dossier_days`` (the dossiers received per day and procedure
version, kept by the statistics trigger) over the last ``days`` days, so the
query reads a few hundred rows whatever the store's size. A centre with no
dossier yet gets the first procedures of its catalog, in catalog order.
"""

from __future__ import annotations

import datetime as dt


def popular_procedures(db, today: dt.date, limit: int = 8, days: int = 90) -> list[dict]:
    since = (today - dt.timedelta(days=days)).isoformat()
    rows = list(db.query(
        "select c.code, c.name, c.field, c.level, d.name as department_name, "
        "sum(x.received_online + x.received_direct) as received "
        "from dossier_days x join procedures v on v.id = x.procedure_id "
        "join procedures c on c.code = v.code and c.current = 1 "
        "and json_extract(c.details, '$.withdrawn') is null "
        "left join departments d on d.id = c.department_id "
        "where x.day >= ? group by c.code having received > 0 "
        "order by received desc, c.name limit ?", [since, limit]))
    if rows:
        return rows
    return list(db.query(
        "select p.code, p.name, p.field, p.level, d.name as department_name, 0 as received "
        "from procedures p left join departments d on d.id = p.department_id "
        "where p.current = 1 and json_extract(p.details, '$.withdrawn') is null "
        "order by d.sort_order, p.field, p.name limit ?", [limit]))
