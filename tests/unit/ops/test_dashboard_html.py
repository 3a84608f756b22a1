"""Unit tests for the HTML ops dashboard: French content, self-containment, escaping, empty season."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import State
from clea_intake.domain.reasons import Reason
from clea_intake.french import amount_fr, count_fr, days_fr, month_fr, percent_fr
from clea_intake.ops.dashboard_data import CaseSummary, DashboardData, build_dashboard_data
from clea_intake.ops.dashboard_html import TITLE, render_dashboard
from clea_intake.ops.labels import DOC_TYPE_LABELS, REASON_LABELS, STATE_LABELS

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 17, 38, tzinfo=PARIS)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line"}


class _Structure(HTMLParser):
    """Collects tags, attributes and text, and records any element closed out of order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        # The style sheet is not text a reader sees.
        if self.stack[-1:] != ["style"]:
            self.text.append(data)


def parse(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    return parser


def season_data() -> DashboardData:
    decided = T0 + timedelta(days=6)
    cases = [
        CaseSummary(
            case_id=f"NA-CLEA-2026-{i:06d}",
            state=state,
            received_at=T0 + timedelta(days=i),
            completed_at=decided if state != "REFUSED" else None,
            decided_at=decided + timedelta(days=i) if state not in ("RECEIVED",) else None,
            awarded_eur=Decimal(450) if state in ("AWARDED", "PAID") else Decimal(0),
            paid_eur=Decimal("420.50") if state == "PAID" else Decimal(0),
            paid_at=decided + timedelta(days=40) if state == "PAID" else None,
            reasons=["LATE_COMPLETION", "NOT_RESIDENT"] if state == "REFUSED" else [],
            certification="clea_socle",
            evaluation="initial",
        )
        for i, state in enumerate(["RECEIVED", "REFUSED", "AWARDED", "PAID", "PAID"], start=1)
    ]
    return build_dashboard_data(
        cases,
        season="Campagne 2026",
        generated_at=NOW,
        document_counts={"identity_card": 5, "quote": 4, "unknown": 1},
        open_review_items=2,
    )


def empty_data() -> DashboardData:
    return build_dashboard_data([], season="Campagne 2027", generated_at=NOW)


def test_format_eur_french_thousands_and_cents() -> None:
    # Given amounts with and without cents  When formatted  Then French separators and the euro sign
    assert amount_fr(Decimal("33202"), typographic=True) == "33\u202f202\u00a0€"
    assert amount_fr(Decimal("14946.5"), typographic=True) == "14\u202f946,50\u00a0€"
    assert amount_fr(0, typographic=True) == "0\u00a0€"


def test_format_percent_no_whole_gives_dash_not_division_error() -> None:
    # Given nothing received yet  When a share is asked for  Then a dash, not a ZeroDivisionError
    assert percent_fr(0, 0) == "—"
    assert percent_fr(72, 100) == "72\u00a0%"


def test_format_helpers_days_months_and_counts_read_in_french() -> None:
    # Given a delay, a month and a count  When formatted  Then as a French reader expects
    assert days_fr(13.6) == "13,6\u00a0j"
    assert days_fr(4.0) == "4\u00a0j"
    assert month_fr("2026-08") == "août 2026"
    assert count_fr(1234567) == "1\u202f234\u202f567"


def test_render_dashboard_season_is_french_and_well_formed() -> None:
    # Given a small season  When the dashboard is rendered
    html = render_dashboard(season_data())
    page = parse(html)
    # Then it is a French page with the agreed title and balanced markup
    assert html.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "fr"}) in page.tags
    assert f"<h1>{TITLE}</h1>" in html
    assert page.errors == [] and page.stack == []


def test_render_dashboard_season_draws_every_chart_with_an_accessible_name() -> None:
    # Given a season with cases, refusals, amounts, delays and documents
    page = parse(render_dashboard(season_data()))
    # When its charts are collected
    charts = {attrs["id"]: attrs for tag, attrs in page.tags if tag == "svg"}
    # Then each is an image named by its title and description
    assert set(charts) == {
        "chart-parcours",
        "chart-etats",
        "chart-refus",
        "chart-delais",
        "chart-montants",
        "chart-pieces",
    }
    assert all(
        a["role"] == "img" and a["aria-labelledby"] == f"{i}-title {i}-desc" for i, a in charts.items()
    )


def test_render_dashboard_season_shows_french_labels_and_values() -> None:
    # Given a season  When the dashboard is rendered
    text = "".join(parse(render_dashboard(season_data())).text)
    # Then states, reasons and document types are named in French, and amounts are written out
    assert all(label in text for label in STATE_LABELS.values())
    assert REASON_LABELS[Reason.LATE_COMPLETION].split(" ")[0] in text
    assert "Ne réside pas en" in text  # wrapped on the chart; whole in the data table
    assert REASON_LABELS[Reason.NOT_RESIDENT] in text
    assert DOC_TYPE_LABELS[DocType.IDENTITY_CARD] in text
    assert "1\u202f350\u00a0€" in text  # awarded: 3 × 450 €
    assert "841\u00a0€" in text  # paid: 2 × 420.50 €
    assert "Campagne 2026" in text


def test_render_dashboard_is_self_contained_without_script_or_fetch() -> None:
    # Given a rendered season
    html = render_dashboard(season_data())
    page = parse(html)
    # When its resources are looked for
    fetching = [(tag, attrs) for tag, attrs in page.tags if {"src", "href"} & set(attrs)]
    # Then nothing is fetched, nothing runs, and the policy forbids both
    assert fetching == []
    assert not any(tag in {"script", "link", "iframe", "img", "object"} for tag, _ in page.tags)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    csp = next(
        a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp and "script-src" not in csp


def test_render_dashboard_hostile_strings_are_escaped() -> None:
    # Given a case id and a season label carrying markup
    hostile_id = "<script>alert(1)</script>"
    hostile_season = '"><img src=x onerror=alert(2)>'
    data = build_dashboard_data(
        [
            CaseSummary(
                case_id=hostile_id,
                state=State.RECEIVED,
                received_at=T0,
                certification="clea_numerique",
                evaluation="final",
            )
        ],
        season=hostile_season,
        generated_at=NOW,
    )
    # When the dashboard is rendered
    html = render_dashboard(data)
    page = parse(html)
    # Then the markup is shown as text, never parsed as elements or attributes
    assert not any(tag in {"script", "img"} for tag, _ in page.tags)
    assert not any("onerror" in attrs for _, attrs in page.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert hostile_id in "".join(page.text)
    assert hostile_season in "".join(page.text)


def test_render_dashboard_empty_season_says_so_without_charts_or_nan() -> None:
    # Given a season with no case, no document, no review
    html = render_dashboard(empty_data())
    page = parse(html)
    text = "".join(page.text)
    # When it is rendered  Then each card says there is nothing yet, and no number is broken
    assert [tag for tag, _ in page.tags if tag == "svg"] == []
    assert "Aucun dossier reçu pour cette campagne." in text
    assert "Aucun refus pour cette campagne." in text
    assert "Aucune décision." in text
    assert "Aucun montant attribué ni versé." in text
    assert "Aucune pièce reçue." in text
    assert not re.search(r"\bnan\b|\binf\b|\bNone\b", text, re.IGNORECASE)
    assert "0\u00a0€" in text and "—" in text  # zero amounts, undefined shares and median
    assert page.errors == [] and page.stack == []


def test_render_dashboard_latest_table_shows_ids_states_and_paris_times_only() -> None:
    # Given a season  When the dashboard is rendered
    data = season_data()
    html = render_dashboard(data)
    # Then the latest table lists case ids with their state and Paris local time
    newest = data.latest_cases[0]
    local = newest.updated_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert f"<code>{newest.case_id}</code>" in html
    assert local in html
    assert f'<span class="code">{newest.state.value}</span>' in html


def test_render_dashboard_warns_of_a_stale_or_missing_register_only_then() -> None:
    from datetime import date

    from clea_intake.domain.registers import register_ages

    # Given a DGEFP copy 60 days old (the policy allows 45) and no Sirene copy at all
    stale = register_ages({"organismes-formation": date(2026, 9, 28), "sirene": None}, today=date(2026, 11, 27),
                          max_age_days=45)
    page = render_dashboard(build_dashboard_data([], season="2026", generated_at=NOW, registers=stale))
    # Then the page opens with a warning naming each register, its copy's age and the limit, in French
    assert 'id="registers-warning"' in page and 'role="alert"' in page
    assert "copie du 28/09/2026, vieille de 60 jours (au plus 45 jours)" in page
    assert "Répertoire Sirene des établissements (Insee) : aucune copie importée" in page
    # And fresh copies show no warning
    fresh = register_ages({"organismes-formation": date(2026, 11, 1), "sirene": date(2026, 11, 1)},
                          today=date(2026, 11, 27), max_age_days=45)
    assert "registers-warning" not in render_dashboard(build_dashboard_data([], season="2026", generated_at=NOW,
                                                                            registers=fresh))
