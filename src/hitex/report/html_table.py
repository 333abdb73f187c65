"""HTML writer of a :class:`~hitex.report.model.Table`: the journal "three-line" table in CSS.

:func:`to_html` lays a table out as an HTML ``<table>``: the title as its
``<caption>``, ``column_labels`` and ``header_rows`` in ``<thead>``, each
:class:`~hitex.report.model.Section` as a ``<tbody>``, the notes in a
``<tfoot>``. The look follows the three-line table of booktabs (LaTeX) and
Stata's esttab: a thick rule above the header, a thin one below it, a thick one
below the last body row, no vertical lines; a header cell spanning several
columns gets a short thin rule under it (booktabs' ``\\cmidrule``). Every string
of the table is escaped, so a label such as ``<script>`` shows as text.

With ``standalone=True`` the result is a complete HTML5 page (UTF-8, the CSS
inline, a Content-Security-Policy that forbids loading anything from outside);
with ``standalone=False`` it is the ``<table>`` element alone, to be placed in
a page that includes :data:`TABLE_CSS` (as :mod:`hitex.report.html_report` does).
"""

from __future__ import annotations

import re
from html import escape

from hitex.report.model import Row, Table

__all__ = ["CSP", "FONT_SANS", "FONT_SERIF", "TABLE_CSS", "page", "to_html"]

#: Serif font stack of tables: Latin fonts first, then CJK fonts the reader may have
#: (Noto/Source Han, macOS Songti, Windows SimSun); the browser falls back in order.
FONT_SERIF = ('"Times New Roman", Times, "Noto Serif", "Liberation Serif", "Noto Serif CJK SC", '
              '"Source Han Serif SC", "Songti SC", SimSun, "Noto Sans CJK SC", serif')

#: Sans-serif font stack of the report's text, CJK fonts included (Noto Sans CJK,
#: Source Han Sans, PingFang, Microsoft YaHei, SimSun, WenQuanYi).
FONT_SANS = ('system-ui, -apple-system, "Segoe UI", "Noto Sans", "Helvetica Neue", Arial, '
             '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
             'SimSun, "WenQuanYi Micro Hei", sans-serif')

#: Content-Security-Policy of hitex's pages: nothing is fetched from anywhere;
#: images only as ``data:`` URIs, styles only inline, no scripts at all.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

#: The CSS of the three-line table (class ``hitex-table``).
TABLE_CSS = f"""
table.hitex-table {{ border-collapse: collapse; margin: 1em 0; font-family: {FONT_SERIF};
  font-variant-numeric: tabular-nums; border-top: 2px solid #000; }}
table.hitex-table caption {{ caption-side: top; text-align: left; font-weight: bold;
  padding-bottom: .4em; }}
table.hitex-table th, table.hitex-table td {{ padding: .15em .8em; border: none;
  vertical-align: top; white-space: nowrap; }}
table.hitex-table thead th {{ font-weight: normal; }}
table.hitex-table thead tr.hx-last th {{ border-bottom: 1px solid #000; }}
table.hitex-table thead th.hx-span {{ border-bottom: 1px solid #000; }}
table.hitex-table tbody th {{ font-weight: normal; }}
table.hitex-table tr.hx-bottom > * {{ border-bottom: 2px solid #000; }}
table.hitex-table tfoot td {{ white-space: normal; font-size: .85em; padding-top: .4em;
  text-align: left; }}
table.hitex-table .hx-l {{ text-align: left; }}
table.hitex-table .hx-c {{ text-align: center; }}
table.hitex-table .hx-r {{ text-align: right; }}
"""

_CLASS_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_ALIGN_CLASS = {"left": "hx-l", "center": "hx-c", "right": "hx-r"}


def _role_class(role: str) -> str:
    """A CSS class for a row role (letters, digits, ``_`` and ``-`` only)."""
    return "hx-role-" + (_CLASS_UNSAFE.sub("-", role.lower()).strip("-") or "body")


def _cells(row: Row, aligns: tuple[str, ...], header: bool) -> str:
    out = []
    for i, (start, cell) in enumerate(row.positions()):
        classes = [_ALIGN_CLASS[cell.align or aligns[start]]]
        if cell.span > 1:
            classes.append("hx-span")
        attrs = f' class="{" ".join(classes)}"'
        if cell.span > 1:
            attrs += f' colspan="{cell.span}"'
        text = escape(cell.text, quote=True)
        if header:
            out.append(f'<th scope="col"{attrs}>{text}</th>')
        elif i == 0:
            out.append(f'<th scope="row"{attrs}>{text}</th>')
        else:
            out.append(f"<td{attrs}>{text}</td>")
    return "".join(out)


def _tr(row: Row, aligns: tuple[str, ...], header: bool, extra: str = "") -> str:
    classes = " ".join(c for c in (_role_class(row.role), extra) if c)
    key = f' data-key="{escape(row.key, quote=True)}"' if row.key else ""
    return f'<tr class="{classes}"{key}>{_cells(row, aligns, header)}</tr>'


def to_html(table: Table, *, standalone: bool = True, lang: str = "en") -> str:
    """Lay a table out as an HTML three-line table.

    Parameters
    ----------
    table : Table
        The table.
    standalone : bool, default True
        A complete HTML5 page (``<!DOCTYPE html>``, UTF-8 ``<meta>``, the CSS
        inline, no external resource); False: the ``<table>`` element alone,
        for a page that includes :data:`TABLE_CSS`.
    lang : str, default "en"
        The page's language (``<html lang>``; ``"zh"`` makes browsers choose
        simplified-Chinese glyphs). Only used when ``standalone``.

    Returns
    -------
    str
        The HTML. The rules follow the three-line table of booktabs / esttab:
        thick above the header, thin below it, thick below the body, no
        vertical lines. ``Cell.span`` becomes ``colspan``; the title the
        ``<caption>``; the notes one ``<tfoot>`` row each spanning the table.
        Each row carries its role as a class (``hx-role-coef``) and its key
        as ``data-key``. All text is HTML-escaped.
    """
    aligns = table.column_align
    head_rows = [Row.of(table.column_labels, role="header"), *table.header_rows]
    body = [s for s in table.sections if s.rows]
    parts = ['<table class="hitex-table">']
    if table.title:
        parts.append(f"<caption>{escape(table.title, quote=True)}</caption>")
    parts.append("<thead>")
    for i, row in enumerate(head_rows):
        last = i == len(head_rows) - 1
        extra = "hx-last" + (" hx-bottom" if last and not body else "")
        parts.append(_tr(row, aligns, header=True, extra=extra if last else ""))
    parts.append("</thead>")
    for j, section in enumerate(body):
        name = f' data-section="{escape(section.name, quote=True)}"' if section.name else ""
        parts.append(f"<tbody{name}>")
        for k, row in enumerate(section.rows):
            bottom = j == len(body) - 1 and k == len(section.rows) - 1
            parts.append(_tr(row, aligns, header=False, extra="hx-bottom" if bottom else ""))
        parts.append("</tbody>")
    if table.notes:
        parts.append("<tfoot>")
        parts.extend(f'<tr><td colspan="{table.ncols}">{escape(note, quote=True)}</td></tr>'
                     for note in table.notes)
        parts.append("</tfoot>")
    parts.append("</table>")
    fragment = "\n".join(parts) + "\n"
    if not standalone:
        return fragment
    return page(table.title or "Table", fragment, css=TABLE_CSS, lang=lang)


def page(title: str, body: str, *, css: str, lang: str = "en") -> str:
    """A complete, self-contained HTML5 page around ``body`` (already HTML).

    Parameters
    ----------
    title : str
        The page title (escaped here).
    body : str
        The page's content, as HTML.
    css : str
        Style sheet, placed inline in ``<style>``.
    lang : str, default "en"
        ``"zh"`` is written as ``zh-CN``.

    Returns
    -------
    str
        The page: UTF-8 ``<meta charset>``, a viewport, the Content-Security-Policy
        :data:`CSP` (nothing loads from outside the file), the body font stack
        :data:`FONT_SANS`.
    """
    code = "zh-CN" if lang == "zh" else lang
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(code, quote=True)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title, quote=True)}</title>\n"
        f"<style>\nbody {{ font-family: {FONT_SANS}; margin: 2em; color: #111; }}\n{css}</style>\n"
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )
