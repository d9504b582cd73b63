"""Render the message catalogue into ``docs/mqtt.md``.

The page's prose is written by hand; the part between the ``BEGIN``/``END``
markers is generated from :data:`motcua.bus.messages.CATALOGUE`, and a test
fails when it is out of date. Regenerate with::

    python -m motcua.bus.docs docs/mqtt.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from .messages import CATALOGUE, REQUEST_RESULTS, SCHEMA_VERSION

BEGIN = "<!-- BEGIN GENERATED: python -m motcua.bus.docs docs/mqtt.md -->"
END = "<!-- END GENERATED -->"


def render() -> str:
    lines = [f"Schema version: **{SCHEMA_VERSION}**.", ""]
    lines += ["| topic | from | QoS | retained |", "|---|---|---|---|"]
    for m in CATALOGUE:
        lines.append(f"| `{m.topic}` | {m.sender} | {m.qos} | {'yes' if m.retain else 'no'} |")
    for m in CATALOGUE:
        lines += ["", f"### `{m.topic}`", "", m.doc, ""]
        lines += ["| field | type | required | meaning |", "|---|---|---|---|"]
        for f in m.fields:
            meaning = f.doc
            if f.choices:
                meaning += " (" + ", ".join(f"`{c}`" for c in f.choices) + ")"
            lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | {meaning} |")
        if m.kind == "response":
            lines += ["", "Results by request:", ""]
            lines += [f"- `{name}`: {text}" for name, text in sorted(REQUEST_RESULTS.items())]
    return "\n".join(lines) + "\n"


def splice(page: str) -> str:
    """``page`` with its generated part replaced by :func:`render`'s output."""
    head, sep, rest = page.partition(BEGIN)
    if not sep or END not in rest:
        raise ValueError(f"markers {BEGIN!r} and {END!r} not found")
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render()}{END}{tail}"


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "docs/mqtt.md")
    path.write_text(splice(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
