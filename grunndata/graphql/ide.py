"""GraphiQL served from grunndata's own static files, with no CDN.

Strawberry's built-in GraphiQL page loads React and GraphiQL from a CDN, which
machines without outside network access cannot reach. This module points at
vendored copies of those assets (see ``grunndata/static/graphiql/SOURCES.md``)
and builds the HTML page that loads them.

Typical use with Starlette::

    from starlette.staticfiles import StaticFiles

    app.mount("/static/graphiql", StaticFiles(directory=GRAPHIQL_STATIC_DIR))
    # and answer GET /graphql (Accept: text/html) with
    HTMLResponse(graphiql_html("/graphql", "/static/graphiql"))
"""

from __future__ import annotations

import html
import json
from pathlib import Path

__all__ = ["GRAPHIQL_ASSETS", "GRAPHIQL_STATIC_DIR", "graphiql_html"]

GRAPHIQL_STATIC_DIR: Path = Path(__file__).resolve().parent.parent / "static" / "graphiql"
"""Folder holding the vendored GraphiQL, React and ReactDOM files."""

GRAPHIQL_ASSETS: tuple[str, ...] = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
)
"""File names, inside :data:`GRAPHIQL_STATIC_DIR`, that the page loads."""

_TITLE = "grunndata GraphiQL"

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title}</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{static}/graphiql.min.css">
    <style>
      html, body {{ height: 100%; margin: 0; overflow: hidden; }}
      #graphiql {{ height: 100vh; }}
    </style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript.</noscript>
    <script src="{static}/react.production.min.js"></script>
    <script src="{static}/react-dom.production.min.js"></script>
    <script src="{static}/graphiql.min.js"></script>
    <script>
      (function () {{
        "use strict";
        var config = {config};
        var props = {{
          fetcher: GraphiQL.createFetcher({{ url: config.url }}),
        }};
        if (config.defaultQuery !== null) {{
          props.defaultQuery = config.defaultQuery;
        }}
        if (config.defaultHeaders !== null) {{
          props.defaultHeaders = config.defaultHeaders;
          props.defaultEditorToolsVisibility = "headers";
        }}
        ReactDOM.createRoot(document.getElementById("graphiql")).render(
          React.createElement(GraphiQL, props)
        );
      }})();
    </script>
  </body>
</html>
"""


def _js_literal(value: object) -> str:
    """Serialise ``value`` as JSON that is safe inside an HTML ``<script>``.

    ``<``, ``>`` and ``&`` become ``\\u`` escapes, so no ``</script>`` or
    ``<!--`` can appear; ``ensure_ascii`` escapes U+2028/U+2029 too.

    >>> _js_literal("</script><!--&")
    '"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u0026"'
    """
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graphiql_html(
    graphql_path: str = "/graphql",
    static_path: str = "/static/graphiql",
    default_query: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Return a complete HTML page running GraphiQL against ``graphql_path``.

    The page loads only the vendored files under ``static_path`` (where
    :data:`GRAPHIQL_STATIC_DIR` must be served) and references no external URL.
    Queries are sent as JSON ``POST`` requests to ``graphql_path``.

    ``default_query`` is what the query editor shows for a new tab (GraphiQL
    keeps the user's own tabs in the browser's localStorage and shows those
    instead on later visits); ``None`` keeps GraphiQL's welcome text.
    ``headers`` are preset, as JSON, in the headers editor of every tab; the
    user can edit them, and they are not saved to localStorage.

    >>> page = graphiql_html(default_query="{ hello }", headers={"X-A": "</script>"})
    >>> "<title>grunndata GraphiQL</title>" in page
    True
    >>> '"</script>' in page, "://" in page
    (False, False)
    """
    static = html.escape(static_path.rstrip("/"), quote=True)
    header_text = json.dumps(headers, indent=2) if headers else None
    config = {
        "url": graphql_path,
        "defaultQuery": default_query,
        "defaultHeaders": header_text,
    }
    return _PAGE.format(title=html.escape(_TITLE), static=static, config=_js_literal(config))
