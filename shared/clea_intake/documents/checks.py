"""Intrinsic checks of a piece on the day it was received: validity, freshness, check digits, mentions."""

from __future__ import annotations

from datetime import date
from typing import Any

from clea_intake.documents import identifiers
from clea_intake.documents.finding_codes import make_finding
from clea_intake.documents.machine_zone import MrzReading
from clea_intake.documents.textutil import add_months
from clea_intake.domain.findings import IDENTITY_TYPES, DocType, Finding
from clea_intake.domain.policy import Policy

Fields = dict[str, Any]

REQUIRED: dict[DocType, tuple[str, ...]] = {
    DocType.IDENTITY_CARD: ("surname", "given_names", "birth_date"),
    DocType.PASSPORT: ("surname", "given_names", "birth_date"),
    DocType.RESIDENCE_PERMIT: ("surname", "given_names", "birth_date"),
    DocType.PROOF_OF_ADDRESS: ("holder_name", "issue_date", "postal_code"),
    DocType.QUALIOPI_CERTIFICATE: ("siret", "valid_until"),
    DocType.CLEA_HABILITATION: ("siret", "valid_until"),
    DocType.DISP_LIAISON: ("surname", "facility"),
    DocType.EXECUTION_REPORT: ("beneficiary_name",),
    DocType.HOURS_ATTESTATION: ("beneficiary_name", "hours"),
    DocType.BANK_DETAILS: ("holder_name", "iban", "issue_date"),
}
# Worth reading but not decisive on their own: a person or the case logic can still decide.
OPTIONAL: dict[DocType, tuple[str, ...]] = {
    DocType.IDENTITY_CARD: ("document_number",),
    DocType.PASSPORT: ("document_number", "issue_date"),
    DocType.RESIDENCE_PERMIT: ("document_number", "permit_kind"),
    DocType.PROOF_OF_ADDRESS: ("city",),
    DocType.QUALIOPI_CERTIFICATE: ("holder_name", "valid_from"),
    DocType.CLEA_HABILITATION: ("holder_name", "valid_from"),
    DocType.DISP_LIAISON: ("given_names", "issue_date"),
    DocType.EXECUTION_REPORT: ("certification", "evaluation", "start_date", "end_date"),
    DocType.HOURS_ATTESTATION: ("start_date", "end_date"),
    DocType.BANK_DETAILS: ("bic",),
}
# The regional quote template's mandatory mentions, in the order the template shows them.
QUOTE_MENTIONS: tuple[tuple[str, str], ...] = (
    ("siret", "le numéro SIRET de l'organisme"),
    ("nda", "le numéro de déclaration d'activité (NDA)"),
    ("beneficiary_name", "le nom du bénéficiaire"),
    ("certification", "la certification visée (CléA Socle ou CléA Numérique)"),
    ("evaluation", "le type d'évaluation (initiale ou finale)"),
    ("hours", "le nombre d'heures d'évaluation"),
    ("start_date", "les dates de l'évaluation"),
    ("amount_eur", "le prix des heures d'évaluation"),
    ("fees_eur", "les frais annexes (inscription, jury...) présentés à part"),
)
_FUTURE_FIELDS = ("birth_date", "issue_date", "valid_from")


def _missing(doc_type: DocType, fields: Fields) -> list[Finding]:
    found = [make_finding("REQUIRED_FIELD_MISSING", field=k) for k in REQUIRED.get(doc_type, ()) if fields.get(k) in (None, "", [])]
    found += [make_finding("FIELD_MISSING", field=k) for k in OPTIONAL.get(doc_type, ()) if fields.get(k) in (None, "", [])]
    return found


def _future(fields: Fields, as_of: date, names: tuple[str, ...] = _FUTURE_FIELDS) -> list[Finding]:
    return [
        make_finding("DATE_IN_FUTURE", field=name, day=fields[name])
        for name in names
        if isinstance(fields.get(name), date) and fields[name] > as_of
    ]


def _order(fields: Fields, first: str, second: str) -> list[Finding]:
    a, b = fields.get(first), fields.get(second)
    if isinstance(a, date) and isinstance(b, date) and a > b:
        from clea_intake.documents.finding_codes import FIELD_LABELS

        return [make_finding("DATES_INCOHERENT", first_label=FIELD_LABELS[first], first=a,
                             second_label=FIELD_LABELS[second], second=b)]  # fmt: skip
    return []


def _identity(doc_type: DocType, fields: Fields, as_of: date, mrz: MrzReading | None) -> list[Finding]:
    found: list[Finding] = []
    if mrz is None:
        found.append(make_finding("MRZ_NOT_FOUND"))
    elif mrz.failed_checks:
        found.append(make_finding("MRZ_CHECK_DIGIT", doc_label=doc_type, part=", ".join(mrz.failed_checks)))
    valid_until = fields.get("valid_until") or fields.get("expiry_date")
    if valid_until is None:
        found.append(make_finding("REQUIRED_FIELD_MISSING", field="expiry_date"))
    elif valid_until < as_of:
        found.append(make_finding("IDENTITY_EXPIRED", doc_label=doc_type, day=valid_until))
    found += _order(fields, "issue_date", "expiry_date")
    return found


def _stale(code: str, issued: date | None, as_of: date, months: int) -> list[Finding]:
    # "Less than 3 months" old on receipt: too old once issue + 3 calendar months is reached
    # (30 Nov + 3 months = 28 Feb, month ends clamp).
    if issued is not None and add_months(issued, months) <= as_of:
        return [make_finding(code, day=issued, months=months, as_of=as_of)]
    return []


def _siret(fields: Fields) -> list[Finding]:
    value = fields.get("siret")
    if value and not identifiers.siret_valid(value):
        return [make_finding("SIRET_INVALID", siret=value)]
    return []


def _certificate(doc_type: DocType, fields: Fields, as_of: date) -> list[Finding]:
    found = _siret(fields) + _order(fields, "valid_from", "valid_until")
    until, since = fields.get("valid_until"), fields.get("valid_from")
    if isinstance(until, date) and until < as_of:
        found.append(make_finding("CERTIFICATE_EXPIRED", doc_label=doc_type, day=until))
    if isinstance(since, date) and since > as_of:
        found.append(make_finding("CERTIFICATE_NOT_YET_VALID", doc_label=doc_type, day=since))
    return found


def check(doc_type: DocType, fields: Fields, *, as_of: date, policy: Policy, mrz: MrzReading | None) -> list[Finding]:
    """Every intrinsic finding for a piece read as `doc_type` with `fields` (dates as date objects)."""
    if doc_type == DocType.UNKNOWN:
        return []
    found = _missing(doc_type, fields)
    if doc_type in IDENTITY_TYPES:
        found += _identity(doc_type, fields, as_of, mrz) + _future(fields, as_of, ("birth_date", "issue_date"))
    elif doc_type == DocType.PROOF_OF_ADDRESS:
        found += _future(fields, as_of, ("issue_date",))
        found += _stale("PROOF_TOO_OLD", fields.get("issue_date"), as_of, policy.deadlines.proof_max_age_months)
    elif doc_type == DocType.BANK_DETAILS:
        found += _future(fields, as_of, ("issue_date",))
        found += _stale("RIB_TOO_OLD", fields.get("issue_date"), as_of, policy.deadlines.rib_max_age_months)
        if fields.get("iban") and not identifiers.iban_valid(fields["iban"]):
            found.append(make_finding("IBAN_INVALID"))
        if fields.get("bic") and not identifiers.bic_valid(fields["bic"]):
            found.append(make_finding("BIC_INVALID"))
    elif doc_type == DocType.QUOTE:
        found += [
            make_finding("QUOTE_MENTION_MISSING", mention=label)
            for key, label in QUOTE_MENTIONS
            if fields.get(key) in (None, "", [])
        ]
        if fields.get("evaluator_name") in (None, ""):
            found.append(make_finding("FIELD_MISSING", field="evaluator_name"))
        found += _siret(fields) + _order(fields, "start_date", "end_date")
        if fields.get("nda") and not identifiers.nda_valid(fields["nda"]):
            found.append(make_finding("NDA_INVALID", nda=fields["nda"]))
    elif doc_type in (DocType.QUALIOPI_CERTIFICATE, DocType.CLEA_HABILITATION):
        found += _certificate(doc_type, fields, as_of)
        if doc_type == DocType.CLEA_HABILITATION and not fields.get("certifications"):
            found.append(make_finding("HABILITATION_NO_CERTIFICATION"))
    elif doc_type == DocType.DISP_LIAISON:
        found += _future(fields, as_of, ("issue_date",))
    elif doc_type in (DocType.EXECUTION_REPORT, DocType.HOURS_ATTESTATION):
        # A claim reports an evaluation already done: dates after receipt cannot be right.
        found += _future(fields, as_of, ("start_date", "end_date")) + _order(fields, "start_date", "end_date")
    return found
