"""Identity pieces (card, passport, residence permit): the visual zone, merged with the MRZ (DESIGN §5)."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents.countries import alpha2
from clea_intake.documents.machine_zone import MrzReading
from clea_intake.documents.read import Fields
from clea_intake.documents.read.persons import GIVEN_LABELS, SURNAME_LABELS, name_field
from clea_intake.documents.read.tables import header_table
from clea_intake.documents.reading import Text
from clea_intake.documents.textutil import add_years
from clea_intake.domain.findings import DocType
from clea_intake.domain.names import compact
from clea_intake.domain.policy import Policy

_NATIONALITY_WORDS = {
    "FRANCAISE": "FR", "FRANCAIS": "FR", "ALGERIENNE": "DZ", "ALGERIEN": "DZ", "MAROCAINE": "MA",
    "MAROCAIN": "MA", "TUNISIENNE": "TN", "TUNISIEN": "TN", "SENEGALAISE": "SN", "SENEGALAIS": "SN",
    "MALIENNE": "ML", "MALIEN": "ML", "IVOIRIENNE": "CI", "IVOIRIEN": "CI", "CAMEROUNAISE": "CM",
    "CAMEROUNAIS": "CM", "TURQUE": "TR", "AFGHANE": "AF", "AFGHAN": "AF", "SYRIENNE": "SY", "SYRIEN": "SY",
    "UKRAINIENNE": "UA", "UKRAINIEN": "UA", "RUSSE": "RU", "CHINOISE": "CN", "CHINOIS": "CN",
    "PORTUGAISE": "PT", "PORTUGAIS": "PT", "ESPAGNOLE": "ES", "ESPAGNOL": "ES", "ITALIENNE": "IT",
    "ITALIEN": "IT", "BELGE": "BE", "ALLEMANDE": "DE", "ALLEMAND": "DE", "ROUMAINE": "RO", "ROUMAIN": "RO",
    "BRITANNIQUE": "GB", "SUISSE": "CH", "GUINEENNE": "GN", "GUINEEN": "GN", "COMORIENNE": "KM",
    "COMORIEN": "KM", "CONGOLAISE": "CG", "CONGOLAIS": "CG", "HAITIENNE": "HT", "HAITIEN": "HT",
    "SOUDANAISE": "SD", "SOUDANAIS": "SD", "ERYTHREENNE": "ER", "ERYTHREEN": "ER", "GEORGIENNE": "GE",
    "GEORGIEN": "GE", "ALBANAISE": "AL", "ALBANAIS": "AL", "BRESILIENNE": "BR", "BRESILIEN": "BR",
    "VIETNAMIENNE": "VN", "VIETNAMIEN": "VN", "POLONAISE": "PL", "POLONAIS": "PL",
}  # fmt: skip


_BIRTH_LABELS = [r"\bNEE?\(?E?\)?\s+LE\b", r"DATE\s+DE\s+NAISS(?:ANCE|\.)?", r"DATE\s+DE\s+NA[A-Z]{2,6}\b", r"DATE\s+OF\s+BIRTH", r"\bNE\(E\)\s+LE"]
_ISSUE_LABELS = [r"DELIVREE?\s+LE", r"DATE\s+DE\s+DELIVRANCE", r"DATE\s+DE\s+DEL[A-Z]{3,6}CE\b", r"DATE\s+D'EMISSION", r"DATE\s+OF\s+ISSUE",
                 r"EMISE?\s+LE", r"DATE\s+DE\s+DELIV"]  # fmt: skip
_EXPIRY_LABELS = [r"VALABLE\s+JUSQU'?\s?AU", r"DATE\s+D'EXPIRATION", r"DATE\s+D'EXP[A-Z]{0,7}\b", r"DATE\s+DE\s+FIN\s+DE\s+VALIDITE",
                  r"DATE\s+OF\s+EXPIRY", r"EXPIRE\s+LE", r"FIN\s+DE\s+VALIDITE", r"VALIDE?\s+JUSQU'?\s?AU",
                  r"EXPIRY"]  # fmt: skip
_NUMBER_LABELS = [r"N°\s*DU\s+DOCUMENT", r"N°\s*DE\s+(?:LA\s+)?CARTE", r"CARTE\s+N°", r"N°\s*DU\s+PASSEPORT",
                  r"PASSEPORT\s+N°", r"PASSPORT\s+NO", r"DOCUMENT\s+NO", r"N°\s*DU\s+TITRE", r"NUMERO\s+DU\s+(?:TITRE|DOCUMENT)",
                  r"N°\s*DE\s+DOCUMENT", r"N°\s*:"]  # fmt: skip

PERMIT_KINDS = [
    (r"RECEPISSE\s+DE\s+DEMANDE\s+DE\s+RENOUVELLEMENT", "récépissé de demande de renouvellement"),
    (r"RECEPISSE\s+DE\s+(?:PREMIERE\s+)?DEMANDE", "récépissé de demande de titre de séjour"),
    (r"RECEPISSE", "récépissé de demande de titre de séjour"),
    (r"AUTORISATION\s+PROVISOIRE\s+DE\s+SEJOUR", "autorisation provisoire de séjour"),
    (r"CARTE\s+DE\s+RESIDENT\s+(?:DE\s+)?LONGUE\s+DUREE", "carte de résident de longue durée - UE"),
    (r"CARTE\s+DE\s+RESIDENT\s+PERMANENT", "carte de résident permanent"),
    (r"CARTE\s+DE\s+RESIDENT", "carte de résident"),
    (r"CARTE\s+DE\s+SEJOUR\s+PLURIANNUELLE", "carte de séjour pluriannuelle"),
    (r"CARTE\s+DE\s+SEJOUR\s+TEMPORAIRE", "carte de séjour temporaire"),
    (r"CARTE\s+DE\s+SEJOUR", "carte de séjour"),
    (r"TITRE\s+DE\s+SEJOUR", "titre de séjour"),
    (r"RESIDENCE\s+PERMIT", "titre de séjour"),
]


def _nationality(text: Text) -> str | None:
    value = text.value_after([r"\bNATIONALITE\b", r"\bNATIONALITY\b"])
    if not value:
        return None
    folded = re.sub(r"[^A-Z ]", " ", text.__class__(value).folded)
    for word in folded.split():
        if word in _NATIONALITY_WORDS:
            return _NATIONALITY_WORDS[word]
        code = alpha2(word) if len(word) == 3 else None
        if code:
            return code
    return None


def _document_number(text: Text) -> str | None:
    for match in text.labels(_NUMBER_LABELS):
        zone = text.folded[match.end() : match.end() + 40]
        found = re.search(r"\b([A-Z0-9]{8,14})\b", zone.replace(" ", " "))
        if found and re.search(r"\d", found.group(1)):
            return found.group(1)
    return None


_IDENTITY_COLUMNS = {
    "birth_date": r"DATE\s+DE\s+NAISS|DATE\s+OF\s+BIRTH",
    "issue_date": r"DATE\s+DE\s+DELIV|DATE\s+OF\s+ISSUE",
    "expiry_date": r"DATE\s+D'EXPIRATION|DATE\s+OF\s+EXPIRY|FIN\s+DE\s+VALIDITE",
}


def read_identity(text: Text, mrz: MrzReading | None, doc_type: DocType, as_of: date, policy: Policy) -> Fields:
    """An identity piece's fields: the visual zone, merged with the MRZ when there is one."""
    visual: Fields = {
        "surname": name_field(text, SURNAME_LABELS),
        "given_names": name_field(text, GIVEN_LABELS),
        "birth_date": text.date_after(_BIRTH_LABELS, window=60),
        "document_number": _document_number(text),
        "issue_date": text.date_after(_ISSUE_LABELS, window=60),
        "expiry_date": text.date_after(_EXPIRY_LABELS, window=60),
        "nationality": _nationality(text),
    }
    # Cards print dates in columns under a header row ("Date de délivrance  Date d'expiration" over
    # "22 01 2019  22 01 2029"): read by column before trusting "first date after the label".
    table = header_table(text, _IDENTITY_COLUMNS)
    for key in ("birth_date", "issue_date", "expiry_date"):
        if isinstance(table.get(key), date):
            visual[key] = table[key]
    fields = dict(visual)
    if mrz is not None:
        from_mrz: Fields = {
            "surname": mrz.surname or None,
            "given_names": mrz.given_names or None,
            "birth_date": mrz.birth_date,
            "document_number": mrz.document_number or None,
            "expiry_date": mrz.expiry_date,
            "nationality": mrz.nationality,
        }
        for key, value in from_mrz.items():
            # A checked MRZ beats the visual zone, and so does a field whose own check digit holds;
            # otherwise the MRZ only fills gaps.
            if value and (mrz.valid or mrz.field_checked(key) or not fields.get(key)):
                fields[key] = value
        # The visual zone keeps accents and hyphens the MRZ cannot hold.
        for key in ("surname", "given_names"):
            if visual.get(key) and _same_letters(visual[key], fields.get(key)):
                fields[key] = visual[key]
            elif visual.get(key) and (_truncated(fields.get(key), visual[key]) or _truncated(visual[key], fields.get(key) or "")):
                # The MRZ cuts long names to its field width ("KHADIJA ISABE") and OCR may glue a misread
                # chevron to a name ("OCEANES"): the printed name, with its accents, is the better reading.
                fields[key] = visual[key]
    old_cni = doc_type == DocType.IDENTITY_CARD and (
        (mrz is not None and mrz.kind == "CNI_2X36")
        or (mrz is None and fields.get("issue_date") is not None and fields["issue_date"] < date(2021, 3, 15))
    )
    if old_cni:
        issue = fields.get("issue_date")
        if issue is None and mrz is not None and mrz.issue_month and fields.get("expiry_date"):
            issue = None  # the printed expiry stands; the card number only gives the month of issue
        if fields.get("expiry_date") is None and issue is not None:
            fields["expiry_date"] = _printed_expiry(issue, fields.get("birth_date"), policy)
        fields["valid_until"] = _cni_valid_until(fields, mrz, policy)
        # DESIGN §5: the expiry of a pre-2021 CNI is 10 years after issue, 15 for an adult's card issued
        # 2004-01-02..2013-12-31: the field carries the date the card is really valid until.
        if fields["valid_until"] is not None:
            fields["expiry_date"] = fields["valid_until"]
    elif fields.get("expiry_date"):
        fields["valid_until"] = fields["expiry_date"]
    if doc_type == DocType.RESIDENCE_PERMIT:
        fields["permit_kind"] = next((kind for p, kind in PERMIT_KINDS if text.find(p)), None)
    if mrz is not None:
        fields["mrz_kind"] = mrz.kind
    return fields


def _same_letters(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return compact(a) == compact(b)


def _truncated(short: str | None, full: str) -> bool:
    if not short:
        return False
    a, b = compact(short), compact(full)
    return len(a) >= 4 and len(b) > len(a) and b.startswith(a)


def _printed_expiry(issue: date, birth: date | None, policy: Policy) -> date:
    """The expiry a pre-2021 CNI prints, from its date of issue when the printed one was not read: 10 years, 15
    for an adult's card issued from 2014 on. A birth date not read gives the longer: the applicant is not told
    an expiry the card does not print."""
    rules = policy.identity
    adult = birth is None or add_years(birth, 18) <= issue
    if adult and issue >= rules.cni_adult_validity_issued_from:
        return add_years(issue, rules.cni_adult_validity_years)
    return add_years(issue, rules.cni_validity_years)


def _cni_valid_until(fields: Fields, mrz: MrzReading | None, policy: Policy) -> date | None:
    """Printed expiry, plus the extension of adult CNIs issued 2004-01-02..2013-12-31."""
    expiry: date | None = fields.get("expiry_date")
    issue: date | None = fields.get("issue_date")
    rules = policy.identity
    if issue is None and expiry is not None:
        issue = add_years(expiry, -rules.cni_validity_years)
    if issue is None and mrz is not None and mrz.issue_month:
        issue = date(mrz.issue_month[0], mrz.issue_month[1], 28)
        if mrz.issue_month == (rules.cni_extension_issued_from.year, rules.cni_extension_issued_from.month):
            issue = rules.cni_extension_issued_from  # the card number gives no day: give the benefit of it
    if expiry is None and issue is not None:
        expiry = _printed_expiry(issue, fields.get("birth_date"), policy)
    if expiry is None or issue is None:
        return expiry
    birth: date | None = fields.get("birth_date")
    adult = birth is not None and add_years(birth, 18) <= issue
    if adult and rules.cni_extension_issued_from <= issue <= rules.cni_extension_issued_until:
        return add_years(expiry, rules.cni_extension_years)
    return expiry
