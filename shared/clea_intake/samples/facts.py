"""Complete a document's facts with seeded, realistic defaults; given facts always win."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from clea_intake.domain.findings import DocType
from clea_intake.samples import fake
from clea_intake.samples.ids import make_french_iban, make_nda, make_siret

# The reference day of a document whose facts give none: fixed, so that output depends on the seed only.
DEFAULT_AS_OF = date(2026, 3, 2)

DATE_FIELDS = frozenset({
    "birth_date", "issue_date", "expiry_date", "valid_from", "valid_until", "start_date", "end_date",
    "period_start", "period_end", "as_of", "host_birth_date", "since", "due_date", "printed_expiry_date",
    "beneficiary_birth_date",
})
CERTIFICATION_LABELS = {
    "clea_socle": "CléA Socle",
    "clea_numerique": "CléA Numérique",
}
CERTIFICATION_LONG = {
    "clea_socle": "CléA – Socle de connaissances et de compétences professionnelles",
    "clea_numerique": "CléA Numérique – Certificat de connaissances et de compétences professionnelles numériques",
}
EVALUATION_LABELS = {"initial": "Évaluation initiale", "final": "Évaluation finale"}
PROOF_KINDS = ("energy", "water", "telecom", "rent", "tax", "insurance", "host_attestation")
PERMIT_KINDS = (
    ("Carte de séjour temporaire", "Salarié", 1),
    ("Carte de séjour temporaire", "Vie privée et familiale", 1),
    ("Carte de séjour pluriannuelle", "Passeport talent", 4),
    ("Carte de séjour pluriannuelle", "Vie privée et familiale", 2),
    ("Carte de résident", "Résident", 10),
    ("Carte de résident de longue durée – UE", "Résident longue durée – UE", 10),
)
RESULTS = {
    "obtained": "Certification obtenue (tous les domaines validés)",
    "partial": "Certification partielle : domaines restant à valider",
    "not_obtained": "Certification non obtenue",
    "assessed": "Évaluation réalisée : parcours de formation préconisé",
    "not_done": "Évaluation non réalisée (absence du candidat)",
}
UNKNOWN_KINDS = ("letter", "payslip", "blank", "gym_contract", "school_certificate")


def as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value[:10])
    return value


def _normalised(facts: dict) -> dict:
    return {k: (as_date(v) if k in DATE_FIELDS else v) for k, v in facts.items()}


def _alnum(rng: random.Random, n: int) -> str:
    # Letters O and I are avoided, as on the cards, to keep them apart from 0 and 1.
    pool = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return "".join(rng.choice(pool) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _money(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01")))


def _person_fields(rng: random.Random, given: dict, as_of: date) -> dict:
    nationality = given.get("nationality", "FR")
    surname, given_names, sex = fake.person(rng, nationality=nationality, sex=given.get("sex"))
    place = rng.choice(fake.BIRTH_PLACES_FR)
    if nationality != "FR" and nationality in fake.COUNTRIES:
        place = f"{rng.choice(fake.FOREIGN_CITIES.get(nationality, ('',)))} ({fake.COUNTRIES[nationality][1]})".strip()
    return {
        "surname": surname, "given_names": given_names, "sex": sex, "nationality": nationality,
        "birth_date": fake.birth_date(rng, as_of), "birth_place": place,
        "height_cm": rng.randint(152, 192),
    }


def _identity_card(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _person_fields(rng, given, as_of)
    fmt_default = rng.choice(("2021", "legacy"))
    department = rng.choice(sorted(fake.PREFECTURES))
    town = fake.region_town(rng)
    d.update({
        "cni_format": fmt_default, "department": department,
        "address_line": fake.street(rng), "postal_code": town.postal_code, "city": town.city,
    })
    new_issue = fake.days_between(rng, max(date(2021, 8, 2), as_of - timedelta(days=9 * 365)), as_of - timedelta(days=20))
    legacy_issue = fake.days_between(rng, max(date(2012, 1, 1), as_of - timedelta(days=14 * 365)), date(2021, 6, 30))
    new_number = _alnum(rng, 9)
    sequence = _digits(rng, 5)
    office = f"{rng.randint(0, 999):03d}"
    sub = str(rng.randint(0, 3))
    d.update(given)
    if "cni_format" not in given and "issue_date" in given:
        d["cni_format"] = "2021" if given["issue_date"] >= date(2021, 8, 2) else "legacy"
    legacy = d["cni_format"] == "legacy"
    d.setdefault("issue_date", legacy_issue if legacy else new_issue)
    issue, birth = d["issue_date"], d["birth_date"]
    adult = fake.add_years(birth, 18) <= issue
    if legacy:
        dept3 = d["department"] + sub
        d.setdefault("office_code", dept3 + office)
        d.setdefault("document_number", issue.strftime("%y%m") + dept3 + sequence)
        printed_years = 15 if adult and issue >= date(2014, 1, 1) else 10
        # A caller's explicit expiry is what the card shows, unless it also names the printed date.
        d.setdefault("printed_expiry_date", given.get("expiry_date") or fake.add_years(issue, printed_years))
        # Adult cards issued 2004-01-02..2013-12-31 stay valid 5 years past their printed date.
        extended = adult and date(2004, 1, 2) <= issue <= date(2013, 12, 31)
        d.setdefault("expiry_date", fake.add_years(d["printed_expiry_date"], 5 if extended else 0))
    else:
        d.setdefault("document_number", new_number)
        d.setdefault("expiry_date", fake.add_years(issue, 10))
        d.setdefault("printed_expiry_date", d["expiry_date"])
    d.setdefault("issuing_authority", f"Préfecture de la {fake.PREFECTURES[d['department']]}")
    return d


def _passport(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _person_fields(rng, given, as_of)
    d.update({
        "issue_date": fake.days_between(rng, as_of - timedelta(days=9 * 365), as_of - timedelta(days=30)),
        "document_number": f"{rng.randint(10, 25)}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{_digits(rng, 5)}",
        "department": rng.choice(sorted(fake.PREFECTURES)),
    })
    d.update(given)
    if d["nationality"] != "FR" and "document_number" not in given:
        d["document_number"] = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + _digits(rng, 7)
    d.setdefault("expiry_date", fake.add_years(d["issue_date"], 10) - timedelta(days=1 if d["nationality"] != "FR" else 0))
    if d["nationality"] == "FR":
        d.setdefault("issuing_authority", f"Préfecture de la {fake.PREFECTURES[d['department']]}")
    else:
        d.setdefault("issuing_authority", f"Ministère de l'Intérieur – {fake.COUNTRIES.get(d['nationality'], ('', 'Étranger'))[1]}")
    return d


def _residence_permit(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _person_fields(rng, {"nationality": rng.choice(fake.NON_EU), **given}, as_of)
    kind, mention, years = rng.choice(PERMIT_KINDS)
    town = fake.region_town(rng)
    d.update({
        "permit_kind": kind, "permit_mention": mention, "document_number": _alnum(rng, 2) + _digits(rng, 7),
        "issue_date": fake.days_between(rng, as_of - timedelta(days=int(years * 365 * 0.6)), as_of - timedelta(days=15)),
        "department": town.department, "address_line": fake.street(rng), "postal_code": town.postal_code,
        "city": town.city,
    })
    d.update(given)
    if "permit_kind" in given and "permit_mention" not in given:
        d["permit_mention"] = next((m for k, m, _ in PERMIT_KINDS if k == given["permit_kind"]), "")
    years = next((y for k, _, y in PERMIT_KINDS if k == d["permit_kind"]), years)
    d.setdefault("expiry_date", fake.add_years(d["issue_date"], years) - timedelta(days=1))
    d.setdefault("issuing_authority", f"Préfecture de la {fake.PREFECTURES.get(d['department'], 'Gironde')}")
    return d


def _full_name(rng: random.Random) -> str:
    surname, given, _ = fake.person(rng)
    return f"{given.split()[0]} {surname}"


def _proof_of_address(rng: random.Random, given: dict, as_of: date) -> dict:
    town = fake.region_town(rng)
    host_surname, host_given, host_sex = fake.person(rng)
    kind = rng.choice(PROOF_KINDS)
    issue = as_of - timedelta(days=rng.randint(3, 70))
    d = {
        "holder_name": _full_name(rng), "issue_date": issue, "address_line": fake.street(rng),
        "postal_code": town.postal_code, "city": town.city, "proof_kind": kind,
        "customer_number": _digits(rng, 10), "invoice_number": f"{rng.randint(10, 99)}{_digits(rng, 8)}",
        "amount_eur": _money(rng.uniform(18, 190)), "energy": rng.choice(("electricity", "gas", "dual")),
        "energy_provider": rng.choice(fake.ENERGY_PROVIDERS), "water_provider": rng.choice(fake.WATER_PROVIDERS),
        "telecom_provider": rng.choice(fake.TELECOM_PROVIDERS), "insurer": rng.choice(fake.INSURERS),
        "landlord": rng.choice(fake.LANDLORDS_AGENCIES + (f"{host_given.split()[0]} {host_surname}",)),
        "rent_eur": _money(rng.randint(380, 820)), "charges_eur": _money(rng.randint(25, 110)),
        "host_name": f"{host_given.split()[0]} {host_surname}", "host_sex": host_sex,
        "host_birth_date": fake.birth_date(rng, as_of, min_age=30, max_age=75),
        "host_id_number": _alnum(rng, 9), "since": as_of - timedelta(days=rng.randint(90, 1500)),
        "fiscal_number": f"{rng.randint(1, 3)}{_digits(rng, 12)}", "consumption": rng.randint(90, 1900),
        "phone_line": fake.phone(rng, mobile=False), "tax_year": as_of.year - 1 if as_of.month >= 9 else as_of.year - 2,
        "tax_eur": _money(rng.choice((0, 0, rng.uniform(120, 2400)))),
    }
    d.update(given)
    if "line1" in given and "address_line" not in given:
        d["address_line"] = given["line1"]
    if "city" not in given and "postal_code" in given:
        d["city"] = fake.city_of(given["postal_code"])
    issue = d["issue_date"]
    d.setdefault("period_start", fake.add_months(issue, -2).replace(day=1))
    d.setdefault("period_end", issue.replace(day=1) - timedelta(days=1))
    d.setdefault("due_date", issue + timedelta(days=15))
    return d


ROLES = {
    "F": ("Directrice", "Gérante", "Présidente", "Responsable pédagogique", "Directrice adjointe"),
    "M": ("Directeur", "Gérant", "Président", "Responsable pédagogique", "Directeur adjoint"),
}


def _evaluator_fields(rng: random.Random, given: dict) -> dict:
    town = fake.region_town(rng)
    signatory_surname, signatory_given, signatory_sex = fake.person(rng)
    name = rng.choice(fake.EVALUATOR_NAMES)
    return {
        "holder_name": name, "evaluator_name": name, "siret": make_siret(rng, corrupt=bool(given.get("corrupt_check_digit"))),
        "nda": make_nda(rng, town.department), "address_line": fake.street(rng), "postal_code": town.postal_code,
        "city": town.city, "legal_form": rng.choice(fake.EVALUATOR_FORMS), "phone": fake.phone(rng, mobile=False),
        "signatory": f"{signatory_given.split()[0]} {signatory_surname}",
        "signatory_role": rng.choice(ROLES[signatory_sex]), "signatory_sex": signatory_sex,
    }


def _sync_evaluator_name(d: dict, given: dict) -> None:
    # A caller may name the organisation either way; both keys then carry the same name.
    if "evaluator_name" in given and "holder_name" not in given:
        d["holder_name"] = given["evaluator_name"]
    elif "holder_name" in given and "evaluator_name" not in given:
        d["evaluator_name"] = given["holder_name"]
    if "postal_code" in given and "city" not in given:
        d["city"] = fake.city_of(given["postal_code"])


def _quote(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _evaluator_fields(rng, given)
    hours = rng.choice((3, 4, 5, 6, 7, 8, 10, 12, 14))
    start = as_of + timedelta(days=rng.randint(25, 70))
    d.update({
        "beneficiary_name": _full_name(rng), "certification": rng.choice(tuple(CERTIFICATION_LABELS)),
        "evaluation": rng.choice(("initial", "final")), "hours": hours,
        "fees_eur": _money(rng.choice((0, 30, 45, 50, 60, 80))), "start_date": start,
        "quote_number": f"DEV-{as_of.year}-{_digits(rng, 4)}", "issue_date": as_of - timedelta(days=rng.randint(1, 20)),
        "beneficiary_birth_date": fake.birth_date(rng, as_of),
        "duration_days": rng.choice((0, 1, 2, 4, 7, 11)),
        "hourly_rate_eur": float(rng.choice((35, 40, 45, 50, 55, 60, 65, 75))),
    })
    d.update(given)
    _sync_evaluator_name(d, given)
    if "amount_eur" not in given:
        d["amount_eur"] = _money(float(d["hours"]) * d["hourly_rate_eur"])
    elif "hourly_rate_eur" not in given and float(d["hours"]):
        d["hourly_rate_eur"] = _money(float(d["amount_eur"]) / float(d["hours"]))
    d.setdefault("end_date", d["start_date"] + timedelta(days=d["duration_days"]))
    return d


def _qualiopi(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _evaluator_fields(rng, given)
    body, body_city = rng.choice(fake.QUALIOPI_BODIES)
    start = fake.days_between(rng, as_of - timedelta(days=900), as_of - timedelta(days=30))
    d.update({
        "certifying_body": body, "certifying_body_city": body_city, "valid_from": start,
        "certificate_number": f"{rng.choice(('QUA', 'CERT', 'FR'))}-{start.year}-{_digits(rng, 5)}",
        "categories": sorted(rng.sample(("formation", "bilan", "vae", "apprentissage"), rng.randint(1, 3)) + ["formation"]),
    })
    d.update(given)
    _sync_evaluator_name(d, given)
    d["categories"] = sorted(set(d["categories"]))
    d.setdefault("valid_until", fake.add_years(d["valid_from"], 3) - timedelta(days=1))
    d.setdefault("issue_date", d["valid_from"])
    return d


def _habilitation(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _evaluator_fields(rng, given)
    start = fake.days_between(rng, as_of - timedelta(days=700), as_of - timedelta(days=20))
    d.update({
        "valid_from": start, "certifications": rng.choice((["clea_socle"], ["clea_socle", "clea_numerique"], ["clea_numerique"], ["clea_socle", "clea_numerique"])),
        "habilitation_number": f"HAB-{start.year}-{_digits(rng, 4)}", "certif_pro_signatory": _full_name(rng),
    })
    d.update(given)
    _sync_evaluator_name(d, given)
    d.setdefault("valid_until", fake.add_years(d["valid_from"], 3) - timedelta(days=1))
    d.setdefault("issue_date", d["valid_from"] - timedelta(days=rng.randint(0, 10)))
    return d


def _disp(rng: random.Random, given: dict, as_of: date) -> dict:
    surname, given_names, sex = fake.person(rng)
    from clea_intake.domain.policy import current_policy

    facility = rng.choice(current_policy().region.detention_facilities)
    d = {
        "surname": surname, "given_names": given_names, "sex": sex, "birth_date": fake.birth_date(rng, as_of),
        "facility": facility.name, "facility_postal_code": facility.postal_code,
        "issue_date": as_of - timedelta(days=rng.randint(2, 40)), "prison_number": _digits(rng, 6),
        "counsellor": _full_name(rng), "release_date": as_of + timedelta(days=rng.randint(200, 1400)),
    }
    d.update(given)
    if "facility" in given and "facility_postal_code" not in given:
        known = {f.name: f.postal_code for f in current_policy().region.detention_facilities}
        d["facility_postal_code"] = known.get(given["facility"], "33000")
    return d


def _claim_common(rng: random.Random, given: dict, as_of: date) -> dict:
    d = _evaluator_fields(rng, given)
    start = as_of - timedelta(days=rng.randint(5, 60))
    d.update({
        "beneficiary_name": _full_name(rng), "certification": rng.choice(tuple(CERTIFICATION_LABELS)),
        "evaluation": rng.choice(("initial", "final")), "start_date": start,
        "duration_days": rng.choice((0, 1, 3, 7, 10)), "case_id": f"NA-CLEA-{start.year}-{rng.randint(1, 999999):06d}",
        "hours": rng.choice((3, 4, 5, 6, 7, 7.5, 8, 10, 12, 14)), "result": rng.choice(("obtained", "partial", "not_obtained")),
        "issue_date": as_of - timedelta(days=rng.randint(0, 4)),
        "evaluator_assessor": _full_name(rng),
    })
    if given.get("evaluation", d["evaluation"]) == "initial":
        d["result"] = "assessed"  # an initial evaluation ends with a training plan, not a pass or fail
    d.update(given)
    _sync_evaluator_name(d, given)
    # A claim piece attests an evaluation that is over: it ends on its issue day at the latest.
    d.setdefault("end_date", min(d["start_date"] + timedelta(days=d["duration_days"]), d["issue_date"]))
    return d


def _bank_details(rng: random.Random, given: dict, as_of: date) -> dict:
    bank, bic, bank_city = rng.choice(fake.BANKS)
    town = fake.region_town(rng)
    d = {
        "holder_name": rng.choice(fake.EVALUATOR_NAMES), "bank_name": bank, "bic": bic, "bank_city": bank_city,
        "iban": make_french_iban(rng, corrupt=bool(given.get("corrupt_check_digit"))),
        "issue_date": as_of - timedelta(days=rng.randint(1, 60)), "address_line": fake.street(rng),
        "postal_code": town.postal_code, "city": town.city, "branch_name": f"Agence de {town.city}",
    }
    d.update(given)
    return d


def _unknown(rng: random.Random, given: dict, as_of: date) -> dict:
    town = fake.region_town(rng)
    d = {
        "kind": rng.choice(UNKNOWN_KINDS), "person_name": _full_name(rng), "issue_date": as_of - timedelta(days=rng.randint(1, 200)),
        "address_line": fake.street(rng), "postal_code": town.postal_code, "city": town.city,
        "employer": rng.choice(("Boulangerie Lacoste", "Transports Darrigrand", "Nettoyage Océan Services", "Restaurant Le Gascon")),
        "gross_eur": _money(rng.uniform(1400, 2300)), "sender": _full_name(rng),
    }
    d.update(given)
    return d


DEFAULTS: dict[DocType, Callable[[random.Random, dict, date], dict]] = {
    DocType.IDENTITY_CARD: _identity_card,
    DocType.PASSPORT: _passport,
    DocType.RESIDENCE_PERMIT: _residence_permit,
    DocType.PROOF_OF_ADDRESS: _proof_of_address,
    DocType.QUOTE: _quote,
    DocType.QUALIOPI_CERTIFICATE: _qualiopi,
    DocType.CLEA_HABILITATION: _habilitation,
    DocType.DISP_LIAISON: _disp,
    DocType.EXECUTION_REPORT: _claim_common,
    DocType.HOURS_ATTESTATION: _claim_common,
    DocType.BANK_DETAILS: _bank_details,
    DocType.UNKNOWN: _unknown,
}

# The fields DESIGN §5 names for each type: what a reader is expected to extract, and what labels carry.
LABEL_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.IDENTITY_CARD: ("surname", "given_names", "birth_date", "document_number", "issue_date", "expiry_date", "nationality"),
    DocType.PASSPORT: ("surname", "given_names", "birth_date", "document_number", "issue_date", "expiry_date", "nationality"),
    DocType.RESIDENCE_PERMIT: ("surname", "given_names", "birth_date", "document_number", "issue_date", "expiry_date", "nationality", "permit_kind"),
    DocType.PROOF_OF_ADDRESS: ("holder_name", "issue_date", "postal_code", "city"),
    DocType.QUOTE: ("siret", "nda", "beneficiary_name", "certification", "evaluation", "hours", "amount_eur", "fees_eur", "start_date"),
    DocType.QUALIOPI_CERTIFICATE: ("holder_name", "siret", "valid_from", "valid_until"),
    DocType.CLEA_HABILITATION: ("holder_name", "siret", "valid_from", "valid_until", "certifications"),
    DocType.DISP_LIAISON: ("surname", "given_names", "facility", "issue_date"),
    DocType.EXECUTION_REPORT: ("beneficiary_name", "certification", "evaluation", "start_date", "end_date"),
    DocType.HOURS_ATTESTATION: ("beneficiary_name", "hours", "start_date", "end_date"),
    DocType.BANK_DETAILS: ("holder_name", "iban", "bic", "issue_date"),
    DocType.UNKNOWN: (),
}


def complete_facts(doc_type: DocType | str, facts: dict | None = None, *, seed: int = 0) -> dict:
    """Every fact a document of this type shows: the given ones, and seeded defaults for the others."""
    doc_type = DocType(doc_type)
    given = _normalised(dict(facts or {}))
    as_of = given.get("as_of") or DEFAULT_AS_OF
    rng = random.Random(f"{doc_type.value}/{seed}")
    done = DEFAULTS[doc_type](rng, given, as_of)
    done["as_of"] = as_of
    return done


def label_fields(doc_type: DocType | str, facts: dict) -> dict:
    """The DESIGN §5 fields of completed facts, as JSON values (ISO dates, plain numbers)."""
    out: dict[str, Any] = {}
    for key in LABEL_FIELDS[DocType(doc_type)]:
        value = facts.get(key)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = float(value)
        out[key] = value
    return out


def validity_defects(doc_type: DocType | str, facts: dict, as_of: date | None = None) -> list[str]:
    """What makes a piece invalid on its own on `as_of` (DESIGN §1), judged from its completed facts.

    "expired" (identity past its effective expiry, certificate or habilitation not in force), "stale"
    (proof of address or RIB issued 3 calendar months or more before), "bad_check_digit" (MRZ, SIRET, IBAN).
    """
    from clea_intake.samples.fake import add_months

    doc_type = DocType(doc_type)
    as_of = as_date(as_of) if as_of else facts["as_of"]
    defects = []
    if doc_type in (DocType.IDENTITY_CARD, DocType.PASSPORT, DocType.RESIDENCE_PERMIT):
        if facts["expiry_date"] < as_of:
            defects.append("expired")
    elif doc_type in (DocType.PROOF_OF_ADDRESS, DocType.BANK_DETAILS):
        if facts["issue_date"] <= add_months(as_of, -3):
            defects.append("stale")
    elif doc_type in (DocType.QUALIOPI_CERTIFICATE, DocType.CLEA_HABILITATION):
        if not facts["valid_from"] <= as_of <= facts["valid_until"]:
            defects.append("expired")
    checked = (DocType.IDENTITY_CARD, DocType.PASSPORT, DocType.RESIDENCE_PERMIT, DocType.BANK_DETAILS, DocType.QUOTE,
               DocType.QUALIOPI_CERTIFICATE, DocType.CLEA_HABILITATION)
    if doc_type in checked and facts.get("corrupt_check_digit"):
        defects.append("bad_check_digit")
    return defects
