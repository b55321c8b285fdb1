"""out/reports/<name>.html: `newsroom report` as a page, one small bar chart per campaign, drawn as inline SVG.

No JavaScript and no external request (the page's Content-Security-Policy allows none); colours follow
`prefers-color-scheme`; each chart has a `<title>` and `<desc>` and its numbers also stand in a table.
Every text that comes from a provider or the ledger goes through `html.escape`. The page is written only
here, whole or not at all (`atomic.write_atomic`).
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.delivery import NOT_TRACKED, UNKNOWN, percent, rate
from pipeline.errors import OutputError
from pipeline.site import DELIVERY_PAGES

BAR_WIDTH = 320  # px of the longest bar
ROW_HEIGHT = 22
LABEL_WIDTH = 130
CHARTED = (("hard_bounces", "hard bounces"), ("soft_bounces", "soft bounces"), ("unsubscribes", "unsubscribes"),
           ("complaints", "spam complaints"), ("opens", "opens"), ("clicks", "clicks"))

_STYLE = """
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #ffffff; --muted: #5a5a5a; --bar: #1f5fa8; --warn: #a4262c;
  --line: #d0d0d0; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #161616; --muted: #b0b0b0; --bar: #7fb2f0; --warn: #ff8a8a; --line: #444444; } }
body { font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto;
  max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; border-top: 1px solid var(--line);
  padding-top: 1rem; }
.meta, .muted { color: var(--muted); }
.warning, .error { color: var(--warn); font-weight: 600; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .2rem .8rem .2rem 0; border-bottom: 1px solid var(--line); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { fill: var(--fg); font: 13px system-ui, sans-serif; }
svg .bar { fill: var(--bar); } svg .axis { stroke: var(--line); }
"""


def e(value) -> str:
    """Escaped text for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def write_page(out_dir: Path, name: str, rows: list, *, title: str, warnings: list[str], errors: list[str],
               now: dt.datetime) -> Path:
    """Write out/reports/<name>.html and return its path."""
    path = out_dir / DELIVERY_PAGES / f"{name}.html"
    try:
        write_atomic(path, page(rows, title=title, warnings=warnings, errors=errors, now=now).encode("utf-8"))
    except OSError as err:  # out/reports a file, a full disk, no permission: named, nothing half-written
        raise OutputError(f"{path}: cannot write the delivery report page ({err.strerror or err}) — make sure "
                          f"{path.parent} is a folder you may write to and the disk has room, then run it "
                          "again") from err
    return path


def page(rows: list, *, title: str, warnings: list[str], errors: list[str], now: dt.datetime) -> str:
    """The whole HTML document."""
    parts = ['<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             '<meta name="color-scheme" content="light dark">',
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             f"<title>{e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>",
             f"<h1>{e(title)}</h1>",
             f'<p class="meta">Asked the providers at {e(now.isoformat(timespec="seconds"))}. "{UNKNOWN}": the '
             f'provider does not tell; "{NOT_TRACKED}": opens and clicks were not tracked (the default).</p>']
    parts += [f'<p class="warning">{e(line)}</p>' for line in warnings]
    parts += [f'<p class="error">{e(line)}</p>' for line in errors]
    if not rows:
        parts.append("<p>No campaigns in the send ledger yet.</p>")
    for index, row in enumerate(rows, 1):
        parts.append(_section(index, row))
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _section(index: int, row) -> str:
    stats = row.stats
    head = (f'<section aria-labelledby="c{index}">\n<h2 id="c{index}">{e(row.slug)} — {e(row.channel)} to '
            f"{e(row.target)}, campaign {e(row.campaign)}</h2>")
    if stats is None:
        return f'{head}\n<p class="error">{e(row.error or "no answer from the provider")}</p>\n</section>'
    when = (f"sent {stats.sent_at}" if stats.sent_at else f"scheduled for {stats.scheduled_at}"
            if stats.scheduled_at else "not sent yet")
    listed = stats.list_id or row.list_id
    facts = [("provider", f"{stats.provider} ({stats.provider_status or 'no status'})"), ("state", stats.state),
             ("list", f"{listed} ({stats.list_name})" if stats.list_name else listed), ("when", when),
             ("recipients", stats.shown("recipients")), ("delivered", stats.shown("delivered"))]
    body = [head, "<table>", *(f"<tr><th scope=\"row\">{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts),
            "</table>"]
    body += [f'<p class="warning">List health: {e(problem)}</p>' for problem in row.health]
    body.append(_chart(index, row))
    body.append(_numbers(stats))
    if stats.variants:
        body.append(_variants(stats))
    body.append("</section>")
    return "\n".join(body)


def _chart(index: int, row) -> str:
    """Horizontal bars, one per figure, scaled to the largest known one; unknown and untracked have no bar."""
    stats = row.stats
    items = [(label, getattr(stats, key), stats.shown(key)) for key, label in CHARTED]
    largest = max([value for _, value, shown in items if isinstance(value, int) and shown not in (NOT_TRACKED,)]
                  + [1])
    height = ROW_HEIGHT * len(items) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 160
    described = "; ".join(f"{label}: {_with_share(value, shown, stats.recipients)}" for label, value, shown in items)
    svg = [f'<svg role="img" aria-labelledby="t{index} d{index}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="t{index}">Campaign {e(row.campaign)}: bounces, unsubscribes, complaints, opens, clicks</title>',
           f'<desc id="d{index}">{e(described)}</desc>',
           f'<line class="axis" x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}"/>']
    for position, (label, value, shown) in enumerate(items):
        y = position * ROW_HEIGHT + 4
        svg.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{e(label)}</text>')
        length = 0
        if isinstance(value, int) and shown != NOT_TRACKED:
            length = round(BAR_WIDTH * value / largest)
            if length:
                svg.append(f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" '
                           f'height="{ROW_HEIGHT - 8}"/>')
        svg.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}">'
                   f"{e(_with_share(value, shown, stats.recipients))}</text>")
    svg.append("</svg>")
    return "\n".join(svg)


def _with_share(value, shown: str, recipients) -> str:
    share = _share(value, shown, recipients)
    return f"{shown} ({share})" if share else shown


def _numbers(stats) -> str:
    rows = "".join(f'<tr><th scope="row">{e(label)}</th><td class="n">{e(stats.shown(key))}</td>'
                   f'<td class="n">{e(_share(getattr(stats, key), stats.shown(key), stats.recipients))}</td></tr>'
                   for key, label in CHARTED)
    return (f'<table>\n<caption class="muted">The chart\'s numbers</caption>\n<tr><th scope="col">figure</th>'
            f'<th scope="col">count</th><th scope="col">of recipients</th></tr>\n{rows}\n</table>')


def _share(value, shown: str, recipients) -> str:
    share = rate(value, recipients) if isinstance(value, int) and shown != NOT_TRACKED else None
    return percent(share) if share is not None else ""


def _variants(stats) -> str:
    head = ('<table>\n<caption>Subject A/B test' + (f" — winner: {e(stats.winner)}" if stats.winner else
                                                     " — winner: unknown") + "</caption>\n<tr>"
            + "".join(f'<th scope="col">{h}</th>' for h in ("subject", "recipients", "bounces", "unsubscribes",
                                                             "complaints", "opens", "clicks")) + "</tr>")
    rows = [f"<tr><td>{e(v.subject)}</td>" + "".join(f'<td class="n">{e(stats.variant_shown(v, k))}</td>' for k in
            ("recipients", "bounces", "unsubscribes", "complaints", "opens", "clicks")) + "</tr>"
            for v in stats.variants]
    return "\n".join([head, *rows, "</table>"])
