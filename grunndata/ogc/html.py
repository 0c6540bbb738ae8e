"""Plain server-rendered HTML pages of the OGC API: no JavaScript, every value escaped."""

from __future__ import annotations

from html import escape
from typing import Any

_PAGE = """<!doctype html>
<html lang="no"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;margin:1.5rem;max-width:72rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.2rem .5rem;
text-align:left;vertical-align:top}}</style></head>
<body><nav><a href="{base}?f=html">grunndata OGC API</a> ·
<a href="{base}/collections?f=html">Samlinger</a> · <a href="/kart">Kart</a></nav>
<h1>{title}</h1>{body}</body></html>"""


def page(base: str, title: str, body: str) -> str:
    return _PAGE.format(base=escape(base), title=escape(title), body=body)


def links(items: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link.get("title") or link["rel"])}</a>'
        f" ({escape(link.get('type', ''))})</li>"
        for link in items
    )
    return f"<ul>{rows}</ul>"


def value(given: Any) -> str:
    if isinstance(given, list):
        return escape(", ".join(str(v) for v in given))
    return "" if given is None else escape(str(given))


def collections(doc: dict[str, Any], base: str) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(base)}/collections/{escape(c["id"])}?f=html">'
        f"{escape(c['title'])}</a></td><td>{escape(c['description'])}</td></tr>"
        for c in doc["collections"]
    )
    body = f"<table><tr><th>Samling</th><th>Beskrivelse</th></tr>{rows}</table>"
    return page(base, "Samlinger", body)


def collection(doc: dict[str, Any], base: str) -> str:
    body = (
        f"<p>{escape(doc['description'])}</p><p>Lagret i {escape(doc['storageCrs'])}; "
        f"koordinatsystemer: {escape(', '.join(doc['crs']))}</p>{links(doc['links'])}"
    )
    return page(base, doc["title"], body)


def features(
    base: str, title: str, found: list[dict[str, Any]], nav: list[dict[str, Any]], item_href: str
) -> str:
    names: list[str] = []
    for feature in found:
        names.extend(n for n in feature["properties"] if n not in names)
    head = "".join(f"<th>{escape(n)}</th>" for n in ["id", *names])
    rows = "".join(
        f'<tr><td><a href="{escape(item_href)}/{escape(str(f["id"]))}?f=html">'
        f"{escape(str(f['id']))}</a></td>"
        + "".join(f"<td>{value(f['properties'].get(n))}</td>" for n in names)
        + "</tr>"
        for f in found
    )
    table = f"<table><tr>{head}</tr>{rows}</table>" if found else "<p>Ingen treff.</p>"
    return page(base, title, f"<p>{len(found)} objekter.</p>{table}{links(nav)}")


def feature(base: str, found: dict[str, Any], nav: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{value(v)}</td></tr>"
        for name, v in found["properties"].items()
    )
    geometry = found.get("geometry") or {}
    body = (
        f"<table>{rows}<tr><th>geometri</th><td>{escape(str(geometry.get('type', '')))}"
        f"</td></tr></table>{links(nav)}"
    )
    return page(base, str(found["id"]), body)
