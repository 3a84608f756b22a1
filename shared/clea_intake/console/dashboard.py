"""Today's operations dashboard, live from the table: the same data and the same SVG charts, per request.

The cases come state by state through the state index (no Scan); documents by a query on each case's
partition. The charts are those of ops.dashboard_html (drawn, every string escaped, by ops.svg_charts):
the page shows each one as an image, so no markup of ours or anyone's is ever parsed into the page.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from clea_intake.adapters.repository import Repository
from clea_intake.domain.lifecycle import State
from clea_intake.ops import dashboard_html
from clea_intake.ops.dashboard_data import DEFAULT_TIMEZONE, DashboardData, build_dashboard_data
from clea_intake.ops.labels import STATE_LABELS

_CARD = re.compile(r'<section class="card[^"]*" id="([^"]+)"[^>]*><h2[^>]*>(.*?)</h2><p class="hint">(.*?)</p>'
                   r"(.*?)(?:<details>|</section>)", re.S)
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_DESC = re.compile(r"<desc[^>]*>(.*?)</desc>", re.S)
_EMPTY = re.compile(r'<p class="empty">(.*?)</p>', re.S)
_KPI = re.compile(r'<span class="kpi-label">(.*?)</span><span class="kpi-value">(.*?)</span>'
                  r'<span class="kpi-note">(.*?)</span>', re.S)
CHART_CARDS = (dashboard_html._funnel_card, dashboard_html._states_card, dashboard_html._refusals_card,  # noqa: SLF001
               dashboard_html._delays_card, dashboard_html._amounts_card, dashboard_html._documents_card)  # noqa: SLF001


def live_data(repo: Repository, now: datetime) -> DashboardData:
    summaries = []
    documents: Counter = Counter()
    for state in State:
        for summary in repo.cases_in_state(state):
            paid_at = None
            if summary.state == State.PAID:
                order = repo.find_payment(summary.case_id)
                paid_at = order.paid_at if order else None
            summaries.append(summary.model_copy(update={"paid_at": paid_at, "deadline_at": None}))
            documents.update(str(d.doc_type) for d in repo.documents(summary.case_id))
    season = f"Campagne {now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year}"
    return build_dashboard_data(summaries, season=season, generated_at=now, document_counts=documents,
                                open_review_items=len(repo.reviews("OPEN")))


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def live(repo: Repository, now: datetime) -> dict:
    """What the dashboard page shows: key figures, one entry per chart (its SVG, or why there is none), latest."""
    data = live_data(repo, now)
    kpis = [{"label": _text(a), "value": _text(b), "note": _text(c)}
            for a, b, c in _KPI.findall(dashboard_html._kpis(data))]  # noqa: SLF001
    charts = []
    for card in CHART_CARDS:
        found = _CARD.search(card(data))
        if found is None:
            continue
        card_id, title, hint, content = found.groups()
        svg = _SVG.search(content)
        desc = _DESC.search(svg.group(0)) if svg else None
        empty = _EMPTY.search(content)
        charts.append({"id": card_id, "title": _text(title), "hint": _text(hint),
                       "svg": svg.group(0) if svg else None, "description": _text(desc.group(1)) if desc else "",
                       "empty": _text(empty.group(1)) if empty else None})
    latest = [{"case_id": row.case_id, "state": str(row.state), "label": STATE_LABELS[row.state],
               "updated_at": row.updated_at} for row in data.latest_cases]
    return {"generated_at": data.generated_at, "season": data.season, "total_cases": data.total_cases,
            "kpis": kpis, "charts": charts, "latest": latest}
