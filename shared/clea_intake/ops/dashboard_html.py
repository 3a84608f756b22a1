"""Render DashboardData as one self-contained French HTML page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal

from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import State
from clea_intake.french import amount_fr, count_fr, days_fr, moment_fr, month_fr, percent_fr
from clea_intake.ops.dashboard_data import DashboardData, FunnelStage
from clea_intake.ops.labels import DOC_TYPE_LABELS, REASON_LABELS, STATE_LABELS
from clea_intake.ops.svg_charts import (
    Bar,
    BarGroup,
    column_chart,
    esc,
    histogram_bins,
    horizontal_bar_chart,
)

TITLE = "clea-intake — tableau de bord des opérations"

BLUE, SKY, GREEN, ORANGE, VERMILION, GREY = "#0072b2", "#56b4e9", "#009e73", "#e69f00", "#d55e00", "#7b8794"
FUNNEL_LABELS: dict[FunnelStage, str] = {
    "received": "Dossiers reçus",
    "complete": "Dossiers complets",
    "awarded": "Aides attribuées",
    "claimed": "Paiements demandés",
    "paid": "Aides versées",
}
STATE_GROUPS: tuple[tuple[str, str, frozenset[State]], ...] = (
    (
        "En cours",
        BLUE,
        frozenset(
            {
                State.RECEIVED,
                State.INCOMPLETE,
                State.COMPLETE,
                State.AWARDED,
                State.CLAIM_INCOMPLETE,
                State.PAYMENT_ORDERED,
            }
        ),
    ),
    ("Payé", GREEN, frozenset({State.PAID})),
    ("Refusé", VERMILION, frozenset({State.REFUSED})),
    ("Clos sans versement", GREY, frozenset({State.CLOSED_UNPAID, State.LAPSED, State.WITHDRAWN})),
)


# --- page pieces ---------------------------------------------------------------------------------


def _card(card_id: str, title: str, hint: str, content: str, table: str = "", wide: bool = False) -> str:
    details = f"<details><summary>Voir les données du graphique</summary>{table}</details>" if table else ""
    return (
        f'<section class="card{" wide" if wide else ""}" id="{esc(card_id)}" '
        f'aria-labelledby="{esc(card_id)}-h"><h2 id="{esc(card_id)}-h">{esc(title)}</h2>'
        f'<p class="hint">{esc(hint)}</p>{content}{details}</section>'
    )


def _empty(message: str) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(cell)}</td>' if i >= numeric_from else f"<td>{esc(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _kpis(data: DashboardData) -> str:
    funnel = {step.stage: step.count for step in data.funnel}
    median = days_fr(statistics.median(data.decision_days)) if data.decision_days else "—"
    tiles = (
        ("Dossiers reçus", count_fr(data.total_cases), data.season),
        (
            "Aides attribuées",
            count_fr(funnel["awarded"]),
            f"{percent_fr(funnel['awarded'], data.total_cases)} des dossiers reçus",
        ),
        (
            "Refus",
            count_fr(data.counts_by_state[State.REFUSED]),
            f"{percent_fr(data.counts_by_state[State.REFUSED], data.total_cases)} des dossiers reçus",
        ),
        (
            "Montant attribué",
            amount_fr(data.awarded_total_eur, typographic=True),
            "aides accordées, toutes dates",
        ),
        (
            "Montant versé",
            amount_fr(data.paid_total_eur, typographic=True),
            f"{percent_fr(float(data.paid_total_eur), float(data.awarded_total_eur))} du montant attribué",
        ),
        ("À revoir", count_fr(data.open_review_items), "éléments ouverts dans la file de revue"),
        ("Délai médian de décision", median, "de la réception à la décision"),
    )
    items = "".join(
        f'<li class="kpi"><span class="kpi-label">{esc(label)}</span>'
        f'<span class="kpi-value">{esc(value)}</span><span class="kpi-note">{esc(note)}</span></li>'
        for label, value, note in tiles
    )
    return f'<ul class="kpis" aria-label="Indicateurs clés">{items}</ul>'


REGISTER_NAMES = {"organismes-formation": "Liste publique des organismes de formation (DGEFP)",
                  "sirene": "Répertoire Sirene des établissements (Insee)"}


def _register_warning(data: DashboardData) -> str:
    """A banner when a public register's copy is older than the policy allows, or was never imported: the
    evaluator checks then read an old copy, or nothing."""
    stale = data.stale_registers
    if not stale:
        return ""
    lines = "".join(
        f"<li>{esc(REGISTER_NAMES.get(r.kind, r.kind))} : "
        + (f"copie du {esc(r.register_date.strftime('%d/%m/%Y'))}, vieille de {esc(count_fr(r.age_days or 0))} jours "
           f"(au plus {esc(count_fr(r.max_age_days))} jours)" if r.register_date else "aucune copie importée")
        + "</li>"
        for r in stale
    )
    return (
        '<section class="warning" role="alert" id="registers-warning">'
        "<h2>Registres publics à mettre à jour</h2>"
        "<p>Les contrôles des organismes évaluateurs lisent ces registres : déposez une copie récente sous "
        "<code>registers/</code>.</p>"
        f"<ul>{lines}</ul></section>"
    )


def _funnel_card(data: DashboardData) -> str:
    received = data.funnel[0].count
    shades = (BLUE, BLUE, SKY, SKY, GREEN)
    groups = [
        BarGroup(
            label=FUNNEL_LABELS[step.stage],
            bars=(Bar(step.count, f"{count_fr(step.count)} · {percent_fr(step.count, received)}", color),),
        )
        for step, color in zip(data.funnel, shades, strict=True)
    ]
    title = "Parcours des dossiers"
    hint = "Chaque étape compte les dossiers qui l'ont atteinte ; pourcentage des dossiers reçus."
    if received == 0:
        return _card("parcours", title, hint, _empty("Aucun dossier reçu pour cette campagne."))
    chart = horizontal_bar_chart(
        groups,
        chart_id="chart-parcours",
        title=title,
        description=", ".join(f"{g.label} : {g.bars[0].text}" for g in groups),
        axis_label="Nombre de dossiers",
        tick_format=count_fr,
    )
    table = _table(
        ["Étape", "Dossiers", "Part des reçus"], [(g.label, *g.bars[0].text.split(" · ")) for g in groups]
    )
    return _card("parcours", title, hint, chart, table)


def _state_color(state: State) -> str:
    return next(color for _, color, states in STATE_GROUPS if state in states)


def _states_card(data: DashboardData) -> str:
    title = "Dossiers par état"
    hint = "État actuel de chaque dossier de la campagne."
    if data.total_cases == 0:
        return _card("etats", title, hint, _empty("Aucun dossier pour cette campagne."))
    groups = [
        BarGroup(label=STATE_LABELS[state], bars=(Bar(count, count_fr(count), _state_color(state)),))
        for state, count in data.counts_by_state.items()
    ]
    chart = horizontal_bar_chart(
        groups,
        chart_id="chart-etats",
        title=title,
        description=", ".join(f"{g.label} : {g.bars[0].text}" for g in groups),
        axis_label="Nombre de dossiers",
        tick_format=count_fr,
        legend=[(name, color) for name, color, _ in STATE_GROUPS],
    )
    table = _table(
        ["État", "Code", "Dossiers"],
        [(STATE_LABELS[s], s.value, count_fr(n)) for s, n in data.counts_by_state.items()],
        numeric_from=2,
    )
    return _card("etats", title, hint, chart, table)


def _refusals_card(data: DashboardData) -> str:
    title = "Refus par motif"
    hint = "Un dossier refusé pour plusieurs motifs compte dans chacun."
    if not any(data.refusals_by_reason.values()):
        return _card("refus", title, hint, _empty("Aucun refus pour cette campagne."))
    groups = [
        BarGroup(label=REASON_LABELS[reason], bars=(Bar(count, count_fr(count), VERMILION),))
        for reason, count in data.refusals_by_reason.items()
    ]
    chart = horizontal_bar_chart(
        groups,
        chart_id="chart-refus",
        title=title,
        description=", ".join(f"{g.label} : {g.bars[0].text}" for g in groups),
        axis_label="Nombre de dossiers refusés",
        tick_format=count_fr,
    )
    table = _table(
        ["Motif", "Code", "Dossiers"],
        [(REASON_LABELS[r], r.value, count_fr(n)) for r, n in data.refusals_by_reason.items()],
        numeric_from=2,
    )
    return _card("refus", title, hint, chart, table)


def _delays_card(data: DashboardData) -> str:
    title = "Délai entre la réception et la décision"
    bins = histogram_bins(data.decision_days)
    if not bins:
        return _card(
            "delais", title, "Dossiers décidés (aide attribuée ou refus).", _empty("Aucune décision.")
        )
    median = statistics.median(data.decision_days)
    example = bins[1] if len(bins) > 1 else bins[0]
    hint = (
        f"{count_fr(len(data.decision_days))} dossiers décidés ; délai médian {days_fr(median)}, "
        f"maximum {days_fr(max(data.decision_days))}."
    )
    columns = [
        BarGroup(
            label=f"{b.lower:g}–{b.upper:g}",
            bars=(Bar(b.count, count_fr(b.count), BLUE),),
        )
        for b in bins
    ]
    chart = column_chart(
        columns,
        chart_id="chart-delais",
        title=title,
        description=hint + " " + ", ".join(f"{c.label} jours : {c.bars[0].text}" for c in columns),
        x_label=f"Jours entre la réception et la décision ({example.lower:g}–{example.upper:g} : "
        f"de {example.lower:g} à moins de {example.upper:g} jours)",
        y_label="Dossiers",
        tick_format=count_fr,
    )
    table = _table(["Jours", "Dossiers"], [(c.label, c.bars[0].text) for c in columns])
    return _card("delais", title, hint, chart, table)


def _amounts_card(data: DashboardData) -> str:
    title = "Montants attribués et versés par mois"
    hint = "Attribué : mois de la décision. Versé : mois du paiement confirmé."
    if not data.amounts_by_month:
        return _card("montants", title, hint, _empty("Aucun montant attribué ni versé."), wide=False)
    groups = [
        BarGroup(
            label=month_fr(row.month),
            bars=(
                Bar(float(row.awarded_eur), amount_fr(row.awarded_eur, typographic=True), BLUE, "Attribué"),
                Bar(float(row.paid_eur), amount_fr(row.paid_eur, typographic=True), GREEN, "Versé"),
            ),
        )
        for row in data.amounts_by_month
    ]
    chart = horizontal_bar_chart(
        groups,
        chart_id="chart-montants",
        title=title,
        description=", ".join(
            f"{g.label} : attribué {g.bars[0].text}, versé {g.bars[1].text}" for g in groups
        ),
        axis_label="Montant (€)",
        tick_format=lambda v: amount_fr(Decimal(str(v)), typographic=True),
        legend=[("Attribué", BLUE), ("Versé", GREEN)],
        integer_ticks=False,
    )
    table = _table(
        ["Mois", "Attribué", "Versé"],
        [(g.label, g.bars[0].text, g.bars[1].text) for g in groups]
        + [
            (
                "Total",
                amount_fr(data.awarded_total_eur, typographic=True),
                amount_fr(data.paid_total_eur, typographic=True),
            )
        ],
    )
    return _card("montants", title, hint, chart, table)


def _documents_card(data: DashboardData) -> str:
    title = "Pièces reçues par type"
    hint = "Pièces lues et classées (dossiers et demandes de paiement)."
    present = [(doc_type, n) for doc_type, n in data.documents_by_type.items() if n > 0]
    if not present:
        return _card("pieces", title, hint, _empty("Aucune pièce reçue."))
    groups = [
        BarGroup(
            label=DOC_TYPE_LABELS[doc_type],
            bars=(Bar(n, count_fr(n), GREY if doc_type is DocType.UNKNOWN else SKY),),
        )
        for doc_type, n in present
    ]
    chart = horizontal_bar_chart(
        groups,
        chart_id="chart-pieces",
        title=title,
        description=", ".join(f"{g.label} : {g.bars[0].text}" for g in groups),
        axis_label="Nombre de pièces",
        tick_format=count_fr,
    )
    table = _table(["Type", "Pièces"], [(g.label, g.bars[0].text) for g in groups])
    return _card("pieces", title, hint, chart, table)


def _latest_card(data: DashboardData) -> str:
    title = "Derniers dossiers modifiés"
    hint = "Identifiant, état et date du dernier changement ; aucune donnée personnelle."
    if not data.latest_cases:
        return _card("derniers", title, hint, _empty("Aucun dossier."), wide=True)
    rows = "".join(
        f"<tr><td><code>{esc(row.case_id)}</code></td>"
        f'<td><span class="dot" style="background:{_state_color(row.state)}"></span>'
        f'{esc(STATE_LABELS[row.state])} <span class="code">{esc(row.state.value)}</span></td>'
        f'<td><time datetime="{esc(row.updated_at.isoformat())}">{esc(moment_fr(row.updated_at, data.tz))}</time>'
        "</td></tr>"
        for row in data.latest_cases
    )
    table = (
        '<table class="latest"><thead><tr><th scope="col">Dossier</th><th scope="col">État</th>'
        f'<th scope="col">Mis à jour</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    return _card("derniers", title, hint, table, wide=True)


CSS = """
:root { color-scheme: light; --ink: #1f2937; --muted: #5b6472; --line: #e5e7eb; --bg: #f4f6f9;
  --brand: #16324f; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans",
  "DejaVu Sans", Arial, sans-serif; }
header { background: var(--brand); color: #fff; padding: 20px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; letter-spacing: .2px; }
header p { margin: 0; color: #d6e0ec; }
main { padding: 20px 32px 32px; max-width: 1400px; margin: 0 auto; }
.kpis { list-style: none; padding: 0; margin: 0 0 20px; display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px;
  display: flex; flex-direction: column; }
.kpi-label { font-size: 13px; color: var(--muted); }
.kpi-value { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; margin: 2px 0;
  white-space: nowrap; }
.kpi-note { font-size: 12px; color: var(--muted); }
.grid { display: grid; gap: 20px; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); }
.warning { background: #fff4e5; border: 1px solid #e69f00; border-left-width: 6px; border-radius: 10px;
  padding: 12px 18px; margin: 0 0 20px; }
.warning h2 { margin: 0 0 4px; font-size: 17px; }
.warning p, .warning ul { margin: 4px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px;
  min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h2 { margin: 0; font-size: 17px; }
.hint { margin: 2px 0 10px; color: var(--muted); font-size: 13px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 760px; }
svg.chart text.value { font-weight: 600; font-variant-numeric: tabular-nums; }
.empty { margin: 18px 0; padding: 22px; border: 1px dashed #cbd2dc; border-radius: 8px;
  color: var(--muted); text-align: center; }
details { margin-top: 8px; font-size: 13px; }
summary { cursor: pointer; color: var(--brand); }
table { border-collapse: collapse; width: 100%; margin-top: 6px; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.latest { font-size: 14px; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.code { color: var(--muted); font-size: 11px; margin-left: 4px; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 7px; }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; max-width: 1400px; margin: 0 auto; }
@media (max-width: 620px) { .grid { grid-template-columns: 1fr; } main, header { padding-left: 14px;
  padding-right: 14px; } }
@media print { body { background: #fff; } .card, .kpi { break-inside: avoid; border-color: #bbb; }
  header { background: #fff; color: #000; border-bottom: 2px solid #000; } header p { color: #333; } }
"""

# No script and no fetch of any kind: the page must open offline, and injected markup could not run.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_dashboard(data: DashboardData) -> str:
    """The whole dashboard as one HTML document (UTF-8 text), readable offline by the Région's staff."""
    generated = moment_fr(data.generated_at, data.tz)
    cards = "".join(
        (
            # Paired by height, two to a row on a wide screen.
            _funnel_card(data),
            _delays_card(data),
            _states_card(data),
            _documents_card(data),
            _amounts_card(data),
            _refusals_card(data),
            _latest_card(data),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fr"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="clea-intake">'
        f"<title>{esc(TITLE)} — {esc(data.season)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{esc(TITLE)}</h1>"
        f"<p>Aide régionale CléA Nouvelle-Aquitaine · {esc(data.season)} · généré le "
        f'<time datetime="{esc(data.generated_at.isoformat())}">{esc(generated)}</time> '
        f"(heure de {esc(data.timezone.split('/')[-1])})</p></header>"
        f'<main>{_register_warning(data)}{_kpis(data)}<div class="grid">{cards}</div></main>'
        "<footer>Fichier autonome, consultable hors connexion. Aucune donnée personnelle : "
        "identifiants de dossier, états, dates et montants uniquement.</footer>"
        "</body></html>\n"
    )
