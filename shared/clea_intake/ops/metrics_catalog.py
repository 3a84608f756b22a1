"""The one catalogue of the CloudWatch metrics (EMF, namespace CleaIntake) the code emits and dashboards read.

Emit through `record_metric` (or Powertools with the name, unit and dimensions found here) so that
the CloudWatch dashboard (OperationsDashboard in template.yaml) keeps matching what the code writes.

Powertools adds a `service` dimension to every metric when POWERTOOLS_SERVICE_NAME is set; the
dashboard therefore finds these metrics with SEARCH expressions that do not depend on it.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import BaseModel, ConfigDict, Field

NAMESPACE = "CleaIntake"


class UnknownMetric(KeyError):
    """A metric name, or a dimension of it, that the catalogue does not list."""


class MetricDefinition(BaseModel):
    """One metric: its name, unit, dimension names and what it means, in French and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Z][A-Za-z]+$")
    unit: MetricUnit
    dimensions: tuple[str, ...] = ()
    label_fr: str = Field(min_length=1)
    description: str = Field(min_length=1)


def _count(name: str, label_fr: str, description: str, *dimensions: str) -> MetricDefinition:
    return MetricDefinition(
        name=name, unit=MetricUnit.Count, dimensions=dimensions, label_fr=label_fr, description=description
    )


def _euros(name: str, label_fr: str, description: str) -> MetricDefinition:
    # CloudWatch has no currency unit: euros are plain numbers ("None").
    return MetricDefinition(name=name, unit=MetricUnit.NoUnit, label_fr=label_fr, description=description)


CATALOG: tuple[MetricDefinition, ...] = (
    _count("CaseReceived", "Dossiers reçus", "An application.json was accepted and a case started."),
    _count("FormRejected", "Formulaires rejetés", "An application.json failed validation and was recorded."),
    _count(
        "CaseStateEntered",
        "Entrées dans un état",
        "A case entered a lifecycle state (one per transition).",
        "State",
    ),
    _count("DocumentRead", "Pièces lues", "A supporting document was read and classified.", "DocType"),
    _count(
        "DocumentFinding",
        "Anomalies relevées sur les pièces",
        "A check raised a finding on a document (one per finding).",
        "Code",
    ),
    _count("ReviewOpened", "Revues ouvertes", "An item was put in the human review queue."),
    _count("ReviewClosed", "Revues clôturées", "A review queue item was resolved by staff."),
    _count("Refusal", "Refus par motif", "A case was refused; one datapoint per reason code.", "Reason"),
    _euros("AwardedAmount", "Montant attribué (€)", "Euros awarded when a case is awarded."),
    _euros("PaymentOrderedAmount", "Montant ordonnancé (€)", "Euros in a payment order when it is created."),
    _euros("PaidAmount", "Montant versé (€)", "Euros confirmed paid by finance."),
    _count(
        "ClaimReceived", "Demandes de paiement reçues", "An evaluator's payment claim e-mail was matched."
    ),
    _count(
        "MailQuarantined",
        "Courriels mis en quarantaine",
        "An inbound e-mail was set aside (spam, virus, no case reference...).",
        "Reason",
    ),
    _count(
        "RegisterStale",
        "Registres publics périmés",
        "Registers (DGEFP list, Sirene) whose current copy is older than the policy's registers.max_age_days, "
        "or never imported; emitted by every deadline sweep.",
    ),
    _count(
        "SweepUnfinished",
        "Balayages inachevés",
        "1 when a run of the deadline sweep stopped before its last due case for lack of time (the next run goes "
        "on with the cases left), else 0; emitted by every deadline sweep.",
    ),
    _count(
        "HandlerFailure",
        "Échecs des fonctions",
        "A Lambda handler failed on a record (reported as a partial batch failure or raised).",
        "Function",
    ),
)

_BY_NAME: dict[str, MetricDefinition] = {metric.name: metric for metric in CATALOG}


def all_metrics() -> tuple[MetricDefinition, ...]:
    """Every catalogued metric, in catalogue order."""
    return CATALOG


def metric_names() -> tuple[str, ...]:
    """The catalogued metric names, in catalogue order."""
    return tuple(_BY_NAME)


def get_metric(name: str) -> MetricDefinition:
    """The definition of one metric; `UnknownMetric` when it is not catalogued."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownMetric(name) from None


def dimension_names() -> frozenset[str]:
    """Every dimension name a catalogued metric uses."""
    return frozenset(dimension for metric in CATALOG for dimension in metric.dimensions)


def metrics_with_dimension(dimension: str) -> tuple[MetricDefinition, ...]:
    """The metrics that carry the given dimension."""
    return tuple(metric for metric in CATALOG if dimension in metric.dimensions)


def record_metric(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one catalogued metric as its own EMF record, with exactly its catalogued dimensions.

    A separate record per datapoint because Powertools applies `add_dimension` to every metric
    flushed together: two states entered in one invocation would otherwise share one State value.
    """
    metric = get_metric(name)
    if set(dimensions) != set(metric.dimensions):
        raise UnknownMetric(f"{name} takes dimensions {list(metric.dimensions)}, got {sorted(dimensions)}")
    with single_metric(name=name, unit=metric.unit, value=value, namespace=NAMESPACE) as emitted:
        for dimension, dimension_value in dimensions.items():
            emitted.add_dimension(name=dimension, value=str(dimension_value))
