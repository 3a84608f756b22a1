"""Sample applicants: a valid application.json, the supporting pieces it needs, and the evaluator's claim."""

from __future__ import annotations

import copy
import random
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy
from clea_intake.samples import fake
from clea_intake.samples.facts import as_date
from clea_intake.samples.generate import EXTENSIONS, Medium, Rendered, render
from clea_intake.samples.ids import make_nda, make_siret

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SEASON_START = date(2026, 1, 5)

VARIANTS = (
    "valid", "missing_proof", "expired_identity", "stale_proof", "proof_outside_region", "habilitation_short",
    "qualiopi_expired", "bad_mrz", "wrong_holder",
)
# A penitentiary establishment outside the region, for a detainee's `proof_outside_region`.
OUTSIDE_FACILITY = ("Centre pénitentiaire de Toulouse-Seysses", "31600")


def _merge(target: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def sample_application(case_number: int, *, seed: int, **overrides: Any) -> dict:
    """A valid application.json dict (DESIGN §4) for a plausible applicant of the region.

    Overrides are applied last: a top-level key replaces (or, for a dict, merges into) the form's key;
    an applicant key (`surname`, `nationality`, `situation`, `address`, …) is set on the applicant.
    Setting `situation="detainee"` without a facility picks one of the region and uses its address.
    """
    rng = random.Random(f"application/{case_number}/{seed}")
    nationality = rng.choices(("FR", rng.choice(sorted(fake.FREE_MOVEMENT - {"FR"})), rng.choice(fake.NON_EU)),
                              weights=(75, 10, 15))[0]
    situation = rng.choices(("unemployed", "siae", "detainee"), weights=(70, 18, 12))[0]
    surname, given_names, _ = fake.person(rng, nationality=nationality)
    submitted = SEASON_START + timedelta(days=rng.randint(0, 280))
    start = submitted + timedelta(days=rng.randint(28, 75))
    end = start + timedelta(days=rng.choice((0, 1, 2, 4, 7, 11, 14)))
    town = fake.region_town(rng)
    ev_town = fake.region_town(rng)
    ev_name = rng.choice(fake.EVALUATOR_NAMES)
    certification = rng.choice(("clea_socle", "clea_numerique"))
    hours = rng.choice((3, 4, 5, 6, 7, 8, 10, 12, 14))
    rate = rng.choice((35, 40, 45, 50, 55, 60))
    facility = rng.choice(current_policy().region.detention_facilities)
    app: dict[str, Any] = {
        "case_id": f"NA-CLEA-{submitted.year}-{case_number:06d}",
        "submitted_at": datetime.combine(submitted, time(rng.randint(8, 19), rng.randint(0, 59)), PARIS).isoformat(),
        "certification": certification,
        "evaluation": rng.choice(("initial", "final")),
        "evaluation_start": start.isoformat(),
        "evaluation_end": end.isoformat(),
        "applicant": {
            "surname": surname, "given_names": given_names,
            "birth_date": fake.birth_date(rng, submitted).isoformat(),
            "email": fake.email_for(given_names, surname, rng), "phone": "+33" + fake.phone(rng).replace(" ", "")[1:],
            "address": {"line1": fake.street(rng), "postal_code": town.postal_code, "city": town.city},
            "nationality": nationality, "situation": situation,
            "france_travail_registered": situation == "unemployed" and rng.random() < 0.8,
            "funded_by_transition_pro_or_branch": False,
            "detention_facility": None,
        },
        "accompanied_by": rng.choice(("evaluator", "cep", None)),
        "evaluator": {
            "name": ev_name, "siret": make_siret(rng), "nda": make_nda(rng, ev_town.department),
            "postal_code": ev_town.postal_code,
            "email": f"contact@{fake.slug(ev_name)}.fr",
        },
        "quote": {"hours": hours, "amount_eur": float(hours * rate)},
    }
    applicant_keys = set(app["applicant"])
    for key, value in overrides.items():
        if key in app:
            if isinstance(value, dict) and isinstance(app[key], dict):
                _merge(app[key], value)
            else:
                app[key] = value
        elif key in applicant_keys:
            if isinstance(value, dict) and isinstance(app["applicant"][key], dict):
                _merge(app["applicant"][key], value)
            else:
                app["applicant"][key] = value
        else:
            raise TypeError(f"unknown application override {key!r}")
    applicant = app["applicant"]
    if applicant["situation"] == "detainee":
        if not applicant.get("detention_facility"):
            applicant["detention_facility"] = facility.name
            if "address" not in overrides:
                applicant["address"] = {"line1": facility.name, "postal_code": facility.postal_code,
                                        "city": fake.city_of(facility.postal_code)}
        if "accompanied_by" not in overrides:
            app["accompanied_by"] = "spip"
        if "france_travail_registered" not in overrides:
            applicant["france_travail_registered"] = False  # a detainee is not registered as a job seeker
    return app


def _sex_of(given_names: str) -> str:
    first = given_names.split()[0]
    return "F" if first in fake.GIVEN_F else "M"


def _free_movement(nationality: str) -> bool:
    return nationality in current_policy().identity.free_movement_nationalities


# Group names a caller may use in `medium_for` instead of each document type.
MEDIUM_GROUPS = {
    DocType.IDENTITY_CARD: "identity", DocType.PASSPORT: "identity", DocType.RESIDENCE_PERMIT: "identity",
    DocType.PROOF_OF_ADDRESS: "proof", DocType.DISP_LIAISON: "proof", DocType.QUOTE: "evaluator",
    DocType.QUALIOPI_CERTIFICATE: "evaluator", DocType.CLEA_HABILITATION: "evaluator",
    DocType.EXECUTION_REPORT: "claim", DocType.HOURS_ATTESTATION: "claim", DocType.BANK_DETAILS: "claim",
}


def medium_of(medium_for: dict | None, doc_type: DocType) -> Medium:
    """The most specific choice wins: the type itself, its value, its group, then "*"."""
    if not medium_for:
        return "pdf"
    for key in (doc_type, doc_type.value, MEDIUM_GROUPS.get(doc_type), "*"):
        if key in medium_for:
            return medium_for[key]
    return "pdf"


@dataclass(frozen=True)
class Order:
    """One file as `render` is to draw it. Drawing is the slow part: a replay may have it done elsewhere, ahead."""

    doc_type: DocType
    facts: dict
    layout: int
    medium: Medium
    seed: int

    def render(self) -> Rendered:
        return render(self.doc_type, self.facts, layout=self.layout, medium=self.medium, seed=self.seed)


def render_orders(orders: dict[str, Order]) -> dict[str, Rendered]:
    """File name -> the file drawn, in the orders' order."""
    return {name: order.render() for name, order in orders.items()}


class _Pieces:
    """Collects the files of one applicant, each with its own seeded layout and medium."""

    def __init__(self, case_id: str, seed: int, medium_for: dict | None) -> None:
        self.case_id, self.seed, self.medium_for = case_id, seed, medium_for
        self.orders: dict[str, Order] = {}

    def rng(self, piece: str) -> random.Random:
        return random.Random(f"{self.case_id}/{self.seed}/{piece}")

    def add(self, stem: str, doc_type: DocType, facts: dict, *, layout: int | None = None) -> None:
        rng = self.rng(f"render/{stem}")
        medium = medium_of(self.medium_for, doc_type)
        layout = rng.randrange(3) if layout is None else layout
        name = f"{stem}.{EXTENSIONS[medium]}"
        self.orders[name] = Order(doc_type, facts, layout, medium, rng.randrange(2**31))


def _identity_pieces(p: _Pieces, app: dict, received: date, variant: str) -> None:
    a = app["applicant"]
    birth = as_date(a["birth_date"])
    end = as_date(app["evaluation_end"])
    rng = p.rng("identity")
    person = {"surname": a["surname"], "given_names": a["given_names"], "birth_date": birth,
              "nationality": a["nationality"], "sex": _sex_of(a["given_names"]), "as_of": received}
    expired = variant == "expired_identity"
    corrupt = variant == "bad_mrz"
    adult_from = fake.add_years(birth, 18)
    if a["nationality"] == "FR" and rng.random() < 0.8:
        legacy_from = max(date(2014, 1, 1), adult_from)
        if expired:
            # Printed 10 (or, if extended, 15) years: either way over before the file is received.
            issue = fake.add_years(received, -16) - timedelta(days=rng.randint(1, 700))
            facts = {**person, "cni_format": "legacy", "issue_date": issue}
        elif legacy_from <= date(2021, 6, 30) and rng.random() < 0.45:
            facts = {**person, "cni_format": "legacy", "issue_date": fake.days_between(rng, legacy_from, date(2021, 6, 30))}
        else:
            low = max(date(2021, 8, 2), adult_from, received - timedelta(days=3000))
            facts = {**person, "cni_format": "2021", "issue_date": fake.days_between(rng, low, received - timedelta(days=20))}
        p.add("CNI_recto_verso", DocType.IDENTITY_CARD, {**facts, "corrupt_check_digit": corrupt})
    else:
        issue = received - timedelta(days=rng.randint(100, 2900))
        if expired:
            issue = fake.add_years(received, -10) - timedelta(days=rng.randint(20, 600))
        p.add("passeport", DocType.PASSPORT, {**person, "issue_date": issue, "corrupt_check_digit": corrupt})
    if not _free_movement(a["nationality"]):
        expiry = end + timedelta(days=rng.randint(30, 700))
        if expired:
            expiry = received - timedelta(days=rng.randint(5, 200))
        issue = min(expiry - timedelta(days=365), received - timedelta(days=rng.randint(20, 300)))
        p.add("titre_de_sejour", DocType.RESIDENCE_PERMIT,
              {**person, "issue_date": issue, "expiry_date": expiry, "corrupt_check_digit": corrupt,
               "address_line": a["address"]["line1"], "postal_code": a["address"]["postal_code"],
               "city": a["address"]["city"]})


def _residence_pieces(p: _Pieces, app: dict, received: date, variant: str) -> None:
    if variant == "missing_proof":
        return
    a = app["applicant"]
    rng = p.rng("residence")
    issue = received - timedelta(days=rng.randint(3, 75))
    if variant == "stale_proof":
        issue = fake.add_months(received, -3) - timedelta(days=rng.randint(3, 60))
    given, surname = a["given_names"], a["surname"]
    if variant == "wrong_holder":
        other_surname, other_given, _ = fake.person(rng)
        while other_surname == surname:
            other_surname, other_given, _ = fake.person(rng)
        given, surname = other_given, other_surname
    if a["situation"] == "detainee":
        facility = a["detention_facility"]
        facts: dict[str, Any] = {"surname": surname, "given_names": given, "birth_date": a["birth_date"],
                                 "facility": facility, "issue_date": issue, "as_of": received}
        if variant == "proof_outside_region":
            facts.update(facility=OUTSIDE_FACILITY[0], facility_postal_code=OUTSIDE_FACILITY[1])
        p.add("fiche_liaison_DISP", DocType.DISP_LIAISON, facts)
        return
    address = a["address"]
    line, postal_code, city = address["line1"], address["postal_code"], address["city"]
    if variant == "proof_outside_region":
        town = fake.outside_town(rng)
        line, postal_code, city = fake.street(rng), town.postal_code, town.city
    facts = {"holder_name": f"{given.split()[0]} {surname}", "issue_date": issue, "address_line": line,
             "postal_code": postal_code, "city": city, "as_of": received,
             "holder_birth_date": a["birth_date"], "proof_kind": rng.choice(("energy", "energy", "water", "telecom",
                                                                              "rent", "tax", "insurance", "host_attestation"))}
    p.add("justificatif_domicile", DocType.PROOF_OF_ADDRESS, facts)


def _evaluator_pieces(p: _Pieces, app: dict, received: date, variant: str) -> None:
    ev, a = app["evaluator"], app["applicant"]
    start, end = as_date(app["evaluation_start"]), as_date(app["evaluation_end"])
    rng = p.rng("evaluator")
    org = {"evaluator_name": ev["name"], "holder_name": ev["name"], "siret": ev["siret"], "nda": ev["nda"],
           "postal_code": ev["postal_code"], "city": fake.city_of(ev["postal_code"]), "as_of": received}
    hours = float(app["quote"]["hours"])
    p.add("devis_CleA", DocType.QUOTE, {
        **org, "beneficiary_name": f"{a['given_names'].split()[0]} {a['surname']}",
        "beneficiary_birth_date": a["birth_date"], "certification": app["certification"],
        "evaluation": app["evaluation"], "hours": int(hours) if hours.is_integer() else hours,
        "amount_eur": float(app["quote"]["amount_eur"]), "fees_eur": float(rng.choice((0, 30, 45, 50, 60))),
        "start_date": start, "end_date": end, "issue_date": received - timedelta(days=rng.randint(2, 25)),
    })
    q_from = received - timedelta(days=rng.randint(60, 700))
    q_until = fake.add_years(q_from, 3) - timedelta(days=1)
    if q_until <= end:
        q_from, q_until = received - timedelta(days=30), fake.add_years(received - timedelta(days=30), 3)
    if variant == "qualiopi_expired":
        q_until = received - timedelta(days=rng.randint(5, 120))
        q_from = fake.add_years(q_until, -3) + timedelta(days=1)
    p.add("certificat_Qualiopi", DocType.QUALIOPI_CERTIFICATE, {**org, "valid_from": q_from, "valid_until": q_until})
    h_from = min(received, start) - timedelta(days=rng.randint(30, 600))
    h_until = max(end + timedelta(days=rng.randint(30, 500)), fake.add_years(h_from, 3) - timedelta(days=1))
    if variant == "habilitation_short":
        h_until = end - timedelta(days=rng.randint(1, max(1, (end - start).days)))
    certifications = sorted({app["certification"], *rng.sample(["clea_socle", "clea_numerique"], rng.randint(0, 1))})
    p.add("attestation_habilitation_CleA", DocType.CLEA_HABILITATION,
          {**org, "valid_from": h_from, "valid_until": h_until, "certifications": certifications})


def application_orders(app: dict, *, received: date, variant: str = "valid", seed: int = 0,
                       medium_for: dict | None = None) -> dict[str, Order]:
    """The files of `application_documents`, named and decided but not drawn yet (`render_orders` draws them)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    app = copy.deepcopy(app)
    pieces = _Pieces(app["case_id"], seed, medium_for)
    _identity_pieces(pieces, app, received, variant)
    _residence_pieces(pieces, app, received, variant)
    _evaluator_pieces(pieces, app, received, variant)
    return pieces.orders


def application_pieces(app: dict, *, received: date, variant: str = "valid", seed: int = 0,
                       medium_for: dict | None = None) -> dict[str, Rendered]:
    """Like `application_documents`, with each file's completed facts and label fields."""
    return render_orders(application_orders(app, received=received, variant=variant, seed=seed,
                                            medium_for=medium_for))


def application_documents(app: dict, *, received: date, variant: str = "valid", seed: int = 0,
                          medium_for: dict | None = None) -> dict[str, bytes]:
    """File name -> bytes: the pieces DESIGN §1 asks of this applicant, consistent with the form.

    Always: an identity document (French CNI, 2021 or pre-2021, or a passport; non-EU/EEA/Swiss
    nationals also get a residence permit valid past the evaluation end), the Région's quote, the
    evaluator's Qualiopi certificate and CléA habilitation; a proof of address, or for detainees the
    DISP liaison form instead. Everything is valid on `received` unless `variant` says:

    - "valid": every piece present and valid.
    - "missing_proof": no proof of address (no DISP form for a detainee).
    - "expired_identity": every identity piece (CNI or passport, and residence permit) expired on `received`.
    - "stale_proof": the proof of address (or DISP form) issued more than 3 months before `received`.
    - "proof_outside_region": a valid proof whose town is outside the region's departments (a detainee's
      form names an establishment outside the region); the form's own address is left as it is.
    - "habilitation_short": the CléA habilitation ends before the evaluation ends (valid on `received`).
    - "qualiopi_expired": the Qualiopi certificate ended before `received`.
    - "bad_mrz": the identity pieces carry a wrong MRZ document-number check digit.
    - "wrong_holder": the proof of address (or DISP form) names someone else.

    `medium_for` maps a DocType, its value, a group ("identity", "proof", "evaluator", "claim") or "*"
    to "pdf" | "scan_pdf" | "jpeg" | "png"; unnamed pieces are text PDFs.
    """
    pieces = application_pieces(app, received=received, variant=variant, seed=seed, medium_for=medium_for)
    return {name: piece.data for name, piece in pieces.items()}


def claim_pieces(app: dict, *, hours: float, issued: date, seed: int = 0, iban: str | None = None,
                 medium_for: dict | None = None) -> dict[str, Rendered]:
    """Like `claim_documents`, with each file's completed facts and label fields."""
    return render_orders(claim_orders(app, hours=hours, issued=issued, seed=seed, iban=iban, medium_for=medium_for))


def claim_orders(app: dict, *, hours: float, issued: date, seed: int = 0, iban: str | None = None,
                 medium_for: dict | None = None) -> dict[str, Order]:
    """The files of `claim_documents`, named and decided but not drawn yet."""
    ev, a = app["evaluator"], app["applicant"]
    pieces = _Pieces(app["case_id"], seed, medium_for)
    rng = pieces.rng("claim")
    common = {"evaluator_name": ev["name"], "holder_name": ev["name"], "siret": ev["siret"], "nda": ev["nda"],
              "postal_code": ev["postal_code"], "city": fake.city_of(ev["postal_code"]),
              "beneficiary_name": f"{a['given_names'].split()[0]} {a['surname']}",
              "certification": app["certification"], "evaluation": app["evaluation"],
              "start_date": app["evaluation_start"], "end_date": app["evaluation_end"], "case_id": app["case_id"],
              "issue_date": issued, "as_of": issued}
    result = "not_done" if float(hours) == 0 else rng.choice(("obtained", "partial", "assessed"))
    if float(hours) and app["evaluation"] == "initial":
        result = "assessed"
    pieces.add("CRE", DocType.EXECUTION_REPORT, {**common, "result": result})
    pieces.add("attestation_heures", DocType.HOURS_ATTESTATION, {**common, "hours": hours})
    rib = {"holder_name": ev["name"], "issue_date": issued - timedelta(days=rng.randint(1, 40)), "as_of": issued,
           "postal_code": ev["postal_code"], "city": fake.city_of(ev["postal_code"])}
    if iban is not None:
        rib["iban"] = iban
    pieces.add("RIB", DocType.BANK_DETAILS, rib)
    return pieces.orders


def claim_documents(app: dict, *, hours: float, issued: date, seed: int = 0, iban: str | None = None,
                    medium_for: dict | None = None) -> dict[str, bytes]:
    """The evaluator's claim: execution report (CRE), attestation of hours, RIB issued shortly before `issued`.

    0 hours gives a report of an evaluation not carried out. `iban` forces the RIB's IBAN (e.g. a wrong one).
    """
    pieces = claim_pieces(app, hours=hours, issued=issued, seed=seed, iban=iban, medium_for=medium_for)
    return {name: piece.data for name, piece in pieces.items()}
