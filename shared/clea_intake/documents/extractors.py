"""Field extraction per document type (DESIGN §5); values are read, never guessed: unknown stays None."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from clea_intake.documents import common, identifiers
from clea_intake.documents.countries import alpha2
from clea_intake.documents.machine_zone import MrzReading
from clea_intake.documents.reading import Text, compile_anchored, fold_aligned
from clea_intake.documents.textutil import POSTAL_CITY_RE, add_years, split_postal, tidy_number
from clea_intake.domain.findings import DocType
from clea_intake.domain.names import compact
from clea_intake.domain.policy import Policy

Fields = dict[str, Any]


# ---------------------------------------------------------------- identity documents

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

_SURNAME_LABELS = [
    r"\bNOM(?:\s+DE\s+NAISSANCE|\s+D'USAGE|\s+PATRONYMIQUE|\s+DE\s+FAMILLE)?(?:\s*/\s*SURNAME)?\b(?!\s*(?:ET\b|DU\b|DE\s+L|,|/\s*PRENOM))",
    r"\bSURNAME\b",
]  # fmt: skip
_GIVEN_LABELS = [r"\bPRENOMS?(?:\s*\(S\))?(?:\s*/\s*GIVEN\s+NAMES?\b)?", r"\bGIVEN\s+NAMES?\b"]
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


def _name_value(text: Text, labels: list[str]) -> str | None:
    for _position, raw in common.labelled(text, labels):
        value = common.cut_value(raw)
        if "/" in value and not re.search(r"\d", value):
            value = value.split("/")[0]  # "MARTIN / Surname": bilingual labels printed after the value
        name = common.clean_person(value.replace(",", " "))
        if name:
            return name
    return None


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
    visual: Fields = {
        "surname": _name_value(text, _SURNAME_LABELS),
        "given_names": _name_value(text, _GIVEN_LABELS),
        "birth_date": text.date_after(_BIRTH_LABELS, window=60),
        "document_number": _document_number(text),
        "issue_date": text.date_after(_ISSUE_LABELS, window=60),
        "expiry_date": text.date_after(_EXPIRY_LABELS, window=60),
        "nationality": _nationality(text),
    }
    # Cards print dates in columns under a header row ("Date de délivrance  Date d'expiration" over
    # "22 01 2019  22 01 2029"): read by column before trusting "first date after the label".
    table = common.header_table(text, _IDENTITY_COLUMNS)
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
            fields["expiry_date"] = add_years(issue, policy.identity.cni_validity_years)
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
        expiry = add_years(issue, rules.cni_validity_years)
    if expiry is None or issue is None:
        return expiry
    birth: date | None = fields.get("birth_date")
    adult = birth is not None and add_years(birth, 18) <= issue
    if adult and rules.cni_extension_issued_from <= issue <= rules.cni_extension_issued_until:
        return add_years(expiry, rules.cni_extension_years)
    return expiry


# ---------------------------------------------------------------- proof of address

PROOF_KINDS = [
    ("host_attestation", r"ATTESTATION\s+D\s?'?\s?HEBERGEMENT|\bHEBERGER\b"),
    ("rent", r"QUITTANCE|\bLOYER\b"),
    ("tax", r"\bIMPOTS?\b|\bTAXE\s+(?:FONCIERE|D'HABITATION)|FINANCES\s+PUBLIQUES|SITUATION\s+DECLARATIVE"),
    ("insurance", r"\bASSURANCE\b|\bASSURE\b|MULTIRISQUE"),
    ("water", r"\bEAU\b|ASSAINISSEMENT|\bM3\b"),
    ("energy", r"ELECTRICITE|\bGAZ\b|\bKWH\b|\bENERGIES?\b|POINT\s+DE\s+LIVRAISON|\bEDF\b|\bENGIE\b|\bENEDIS\b|\bGRDF\b"),
    ("telecom", r"INTERNET|\bFIBRE\b|\bBOX\b|\bMOBILE\b|TELEPHON|\bADSL\b|\bFORFAIT\b"),
]

_HOLDER_LABELS = [
    r"\bTITULAIRE(?:\s+DU\s+(?:CONTRAT|COMPTE|BAIL|CONTRAT\s+D'ASSURANCE))?\s*:?",
    r"\bNOM\s+DU\s+(?:CLIENT|TITULAIRE|LOCATAIRE|SOUSCRIPTEUR|DECLARANT)\s*:?", r"\bCLIENTE?\s*:",
    r"\bLOCATAIRE\s*:?", r"\bASSUREE?\s*:?", r"\bSOUSCRIPTEUR\s*:?", r"\bDESTINATAIRE\s*:?",
    r"\bDECLARANT\s*1?\s*:?", r"\bNOM\s+ET\s+PRENOMS?\s*:?", r"\bOCCUPANTE?\s*:?", r"\bABONNEE?\s*:?",
]  # fmt: skip
_HOSTED_LABELS = [
    r"(?:CERTIFIE|ATTESTE|DECLARE)\s+(?:SUR\s+L'HONNEUR\s+)?HEBERGER\s*(?::)?",
    r"HEBERGE\s+(?:A\s+MON\s+DOMICILE|CHEZ\s+MOI)?\s*:", r"PERSONNE\s+HEBERGEE\s*:", r"\bHEBERGE\(?E?\)?\s*:",
]  # fmt: skip
_PROOF_DATE_LABELS = [
    r"DATE\s+D'EMISSION", r"DATE\s+DE\s+(?:LA\s+)?FACTURE", r"FACTURE\s+(?:N[°O]\.?\s*[\w\-/ ]{1,30}?\s+)?DU\b", r"EMISE?\s+LE",
    r"DATE\s+D'ETABLISSEMENT", r"ETABLIE?\s+LE", r"EDITEE?\s+LE", r"DATE\s+D'EDITION", r"DATE\s+DE\s+L'AVIS",
    r"DATE\s+DU\s+DOCUMENT", r"DELIVREE?\s+LE", r"DATE\s+DE\s+L'ATTESTATION", r"DATE\s+DE\s+LA\s+QUITTANCE",
    r"FAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE", r"^DATE\s*:", r"\bDATE\s*:",
]  # fmt: skip
_ADDRESS_LABELS = [
    r"ADRESSE\s+DE\s+(?:CONSOMMATION|FACTURATION|LIVRAISON|L'HEBERGEMENT|L'HABITATION|DESSERTE|RESIDENCE)",
    r"ADRESSE\s+DU\s+(?:LOGEMENT|BIEN|DOMICILE|RISQUE|LIEU\s+ASSURE|LOCAL)", r"LIEU\s+DE\s+CONSOMMATION",
    r"LOGEMENT\s+SITUE", r"DOMICILE\s+SITUE", r"DEMEURANT", r"DOMICILIEE?\s+AU?", r"RESIDANT", r"ADRESSE\s*:",
    r"BIEN\s+(?:LOUE|ASSURE)", r"SITUEE?\s+AU",
]  # fmt: skip


def _proof_kind(text: Text) -> str | None:
    head = text.head(600)
    for kind, pattern in PROOF_KINDS:
        if re.search(pattern, head):
            return kind
    for kind, pattern in PROOF_KINDS:
        if text.find(pattern):
            return kind
    return None


def _postal_after(text: Text, position: int, *, lines: int = 5) -> tuple[str, str] | None:
    end = position
    for _ in range(lines):
        end = text.line_end(end + 1)
    zone = text.raw[position:end]
    for match in POSTAL_CITY_RE.finditer(zone):
        postal, city = split_postal(match)
        folded_city = text.__class__(city).folded
        if "CEDEX" in text.folded[position + match.start() : position + match.end() + 8] and "CEDEX" not in folded_city:
            continue
        if city and not re.match(r"^(?:EUR|EUROS?|KWH|HT|TTC|H)\b", folded_city):
            return postal, city
    return None


_STREET = re.compile(
    r"^\s*(?:\d{1,4}\s?(?:BIS|TER|B|A)?\b,?\s+\S|(?:RUE|AVENUE|BOULEVARD|CHEMIN|IMPASSE|ALLEE|PLACE|ROUTE|COURS|QUAI|"
    r"RESIDENCE|LIEU-?\s?DIT|LOTISSEMENT|HAMEAU|BATIMENT|APPARTEMENT|APPT|ESCALIER|VILLA|PASSAGE|SQUARE|CITE|DOMAINE)\b)"
)
_POSTAL_LINE = re.compile(r"^\s*(?P<cp>(?:0[1-9]|[1-8]\d|9[0-8])\s?\d{3})\s+(?P<city>[A-Z][A-Z'\- ]{1,40}?)\s*(?P<cedex>CEDEX.*)?$")
_ORGANISATION_WORDS = frozenset(
    "SERVICE SERVICES CLIENT CLIENTS CLIENTELE CENTRE DIRECTION SOCIETE SAS SA SARL ASSURANCES ASSURANCE MUTUELLE "
    "AGENCE BANQUE CREDIT EAU EAUX ENERGIE ENERGIES FINANCES PUBLIQUES IMPOTS TRESOR EDF ENGIE ORANGE SFR FREE "
    "BOUYGUES TELECOM VEOLIA SUEZ SAUR OFFICE HABITAT GESTION IMMOBILIER IMMOBILIERE SYNDIC MAIRIE COMMUNAUTE "
    "SYNDICAT REGIE CAF CPAM POLE TRAVAIL GROUPE TSA CS BP FOURNISSEUR DISTRIBUTION RESEAU".split()
)


def _looks_like_organisation(name: str) -> bool:
    return any(word in _ORGANISATION_WORDS for word in re.findall(r"[A-Z]+", fold_aligned(name)))


def address_blocks(text: Text) -> list[tuple[str, str, str, int]]:
    """French postal address blocks "Name / street / postal code and town" as (name, postal, city, position)."""
    lines = text.folded_lines
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    blocks = []
    for index, line in enumerate(lines):
        match = _POSTAL_LINE.match(line)
        if match is None or match.group("cedex"):
            continue
        above = [j for j in range(index - 1, max(-1, index - 5), -1) if lines[j].strip()]
        street = next((j for j in above[:2] if _STREET.match(lines[j])), None)
        if street is None:
            continue
        for j in [k for k in above if k < street][:2]:
            raw = text.raw_lines[j]
            if _STREET.match(lines[j]) or _looks_like_organisation(raw):
                continue
            name = common.clean_person(raw)
            if name and len(name.split()) >= 2:
                city = text.raw_lines[index][match.start("city") : match.end("city")].strip()
                blocks.append((name, match.group("cp").replace(" ", ""), city, offsets[j]))
                break
    return blocks


def _holder_line(text: Text) -> tuple[str | None, int]:
    for position, raw in common.labelled(text, _HOLDER_LABELS):
        name = common.clean_person(raw)
        if name and not _looks_like_organisation(name):
            return name, position
    # Addressee blocks start with a civility: "M. MARTIN Léa", "Madame Léa Martin".
    for match in re.finditer(r"(?m)^[ \t]*(?:M\.|MR\.?|MME\.?|MLLE|MONSIEUR|MADAME|M\s+ET\s+MME)\s+\S", text.folded):
        line = text.raw[match.start() : text.line_end(match.start())]
        name = common.clean_person(line)
        if name:
            return name, match.start()
    name, position = common.person_in_prose(
        text,
        [r"\b(?:ATTESTE|ATTESTONS|CERTIFIE|CERTIFIONS|DECLARE|DECLARONS)\s+(?:SUR\s+L'HONNEUR\s+)?QUE\s+",
         r"\bAVOIR\s+RECU\s+DE\s+", r"\bRECU\s+DE\s+(?=M|MME|MONSIEUR|MADAME|[A-Z])"],  # fmt: skip
    )
    if name:
        return name, position
    blocks = address_blocks(text)
    if blocks:
        return blocks[0][0], blocks[0][3]
    return None, 0


def read_proof_of_address(text: Text, as_of: date) -> Fields:
    kind = _proof_kind(text)
    holder: str | None = None
    anchor = 0
    if kind == "host_attestation":
        # The piece proves the hosted person's address, not the host's.
        for match in text.labels(_HOSTED_LABELS):
            rest = text.raw[match.end() : match.end() + 160]
            holder = common.first_person_in(rest.replace("\n", " "))
            if holder:
                anchor = match.end()
                break
            holder = None
        if holder is None:
            section = text.find(r"PERSONNE\s+HEBERGEE|HEBERGE\(?E?\)?\s*$")
            if section is not None:
                holder = common.person_from_parts(text, section.end()) or common.person_after(
                    Text(text.raw[section.end() : section.end() + 300]), [r"NOM\s+ET\s+PRENOMS?", r"NOM\s*,\s*PRENOMS?", r"IDENTITE"]
                )
                anchor = section.end()
    if holder is None:
        holder, anchor = _holder_line(text)
    place = None
    for match in text.labels(_ADDRESS_LABELS):
        place = _postal_after(text, match.end(), lines=3)
        if place:
            break
    if place is None and holder is not None:
        block = next((b for b in address_blocks(text) if b[0] == holder), None)
        place = (block[1], block[2]) if block else _postal_after(text, anchor, lines=5)
    if place is None:
        for match in POSTAL_CITY_RE.finditer(text.raw):
            if "CEDEX" not in text.folded[match.start() : match.end() + 10]:
                place = split_postal(match)
                break
    issue = text.date_after(_PROOF_DATE_LABELS, window=60) or common.signed_date(text)
    if issue is None:
        # A date alone on the first lines ("Bordeaux, le 3 mars 2026") dates the letter.
        for start, _end, found in text.dates:
            if start > 500:
                break
            before = text.folded[max(0, start - 25) : start]
            if re.search(r"\bLE\s*$", before) and not re.search(r"NEE?\(?E?\)?\s+LE\s*$|AVANT\s+LE\s*$", before):
                issue = found
                break
    return {
        "holder_name": holder,
        "issue_date": issue,
        "postal_code": place[0] if place else None,
        "city": place[1] if place else None,
        "proof_kind": kind,
    }


# ---------------------------------------------------------------- evaluator documents

_BENEFICIARY_LABELS = [
    r"\bBENEFICIAIRE\b(?:\s+DE\s+L'EVALUATION)?", r"\bCANDIDAT(?:E)?\b", r"\bSTAGIAIRE\b", r"\bAPPRENANTE?\b",
    r"\bPERSONNE\s+EVALUEE\b", r"\bDEMANDEUR\b", r"\bNOM\s+DU\s+(?:BENEFICIAIRE|CANDIDAT|STAGIAIRE)\b",
    r"\bNOM\s+ET\s+PRENOMS?\b", r"\bNOM\s*,\s*PRENOMS?\b", r"\bCLIENTE?\s*:",
]  # fmt: skip
_ORG_LABELS = [
    r"ORGANISME\s+(?:EVALUATEUR|DE\s+FORMATION|PRESTATAIRE|CERTIFIE|HABILITE)\b\s*:?", r"RAISON\s+SOCIALE\s*:?",
    r"\bPRESTATAIRE\s*:?", r"\bETABLI\s+PAR\s*:?", r"\bEMETTEUR\s*:?", r"\bORGANISME\b(?!\s+(?:CERTIFICATEUR|NON\b))\s*:?",
    r"NOM\s+DE\s+L'ORGANISME\s*:?", r"DENOMINATION(?:\s+SOCIALE)?\s*:?",
]  # fmt: skip


def _organisation(text: Text, extra_labels: list[str] | None = None, *, header: bool = False) -> str | None:
    for _position, raw in common.labelled(text, (extra_labels or []) + _ORG_LABELS):
        value = common.clean_organisation(raw)
        if value:
            return value
    if header:
        # A letterhead "FORMATION ATLANTIQUE - SIRET 732 829 320 00074": the name before the SIRET.
        match = text.find(r"(?m)^([^\n]{3,80}?)[\s,–-]+(?:N°\s*)?SIRET\b")
        if match:
            value = common.clean_organisation(text.raw[match.start(1) : match.end(1)])
            if value and not re.search(r"\d", value):
                return value
    return None


def _beneficiary(text: Text) -> str | None:
    return common.person_after(text, _BENEFICIARY_LABELS)


_HOURS_PRICE_LABELS = [
    r"PRIX\s+DES\s+HEURES", r"COUT\s+DES\s+HEURES", r"MONTANT\s+DES\s+HEURES", r"HEURES\s+D'EVALUATION",
    r"(?:PRIX|COUT|MONTANT|TARIF)\s+(?:TOTAL\s+)?(?:HT\s+)?DE\s+L'EVALUATION", r"COUT\s+PEDAGOGIQUE",
    r"PRESTATION\s+D'EVALUATION", r"EVALUATION\s+CLEA", r"EVALUATION\s+(?:INITIALE|FINALE|PREALABLE)\b[^\n]*\d\s*€",
]  # fmt: skip
_FEE_LINE = compile_anchored(
    r"FRAIS\s+(?:D'INSCRIPTION|DE\s+JURY|ANNEXES|DE\s+DOSSIER|DE\s+CERTIFICATION|DE\s+SESSION|D'EXAMEN|DE\s+PASSAGE)"
    r"|\bDROITS?\s+D'INSCRIPTION|\bINSCRIPTION\s*(?:AU\s+JURY)?\s*:|\bJURY\s*:"
)
_NIL = compile_anchored(r"\b(?:NEANT|AUCUN|SANS\s+OBJET|SANS\s+FRAIS|GRATUIT|NON\s+APPLICABLE|0\s*€)")
_TOTAL_LABELS = [r"\bTOTAL\s+(?:GENERAL\s+)?(?:HT|TTC|NET)?", r"NET\s+A\s+PAYER", r"MONTANT\s+TOTAL"]


def _line_amounts(text: Text, position: int) -> list[float]:
    start = text.folded.rfind("\n", 0, position) + 1
    end = text.line_end(position)
    return [value for pos, value in text.amounts if start <= pos < end]


_FEE_KINDS = {
    "inscription": r"INSCRIPTION", "jury": r"JURY", "dossier": r"DOSSIER", "certification": r"CERTIFICATION",
    "session": r"SESSION", "examen": r"EXAMEN|PASSAGE",
}  # fmt: skip


def amounts_on_line(text: Text, start: int, line_start: int, line_end: int) -> bool:
    return any(line_start <= p < line_end and p >= start for p, _v in text.amounts)


def _fees(text: Text) -> float | None:
    """Registration, jury and other fees shown apart. A fee listed in a table and again in a summary
    ("Frais annexes (inscription, jury) : 45 €") counts once: a line naming every kind, or "annexes",
    covers the lines that name fewer."""
    lines: list[tuple[frozenset[str], float]] = []
    seen = False
    for match in _FEE_LINE.finditer(text.folded):
        line_start = text.folded.rfind("\n", 0, match.start()) + 1
        line_end = text.line_end(match.start())
        line = text.folded[line_start:line_end]
        amounts = [v for p, v in text.amounts if line_start <= p < line_end and p >= match.start()]
        if not amounts and not _NIL.search(line[match.start() - line_start :]):
            below_start = line_end + 1
            amounts = [v for p, v in text.amounts if below_start <= p < text.line_end(below_start)][:1]
        kinds = frozenset(k for k, pattern in _FEE_KINDS.items() if re.search(pattern, line[match.start() - line_start :]))
        if re.search(r"ANNEXES|TOTAL\s+(?:DES\s+)?FRAIS", line):
            kinds = frozenset(_FEE_KINDS)
        if _NIL.search(line[match.start() - line_start :]) and not amounts_on_line(text, match.start(), line_start, line_end):
            seen = True  # "Frais de dossier : néant": shown apart, and nil
        elif amounts:
            lines.append((kinds or frozenset({"other"}), amounts[-1]))
            seen = True
    if not seen:
        return None
    total, covered = 0.0, frozenset()
    for kinds, value in sorted(lines, key=lambda kv: len(kv[0]), reverse=True):
        if kinds & covered:
            continue
        total += value
        covered = covered | kinds
    return tidy_number(total)


def _hours_price(text: Text) -> float | None:
    for match in text.labels(_HOURS_PRICE_LABELS):
        if _FEE_LINE.search(text.folded[match.start() : text.line_end(match.start())]):
            continue
        on_line = [v for p, v in text.amounts if match.start() <= p < text.line_end(match.end())]
        if on_line:
            # A table row "Évaluation CléA | 10 h | 45,00 € | 450,00 €": the line total is last.
            return on_line[-1]
        nxt = text.line_end(match.end()) + 1
        below = [v for p, v in text.amounts if nxt <= p < text.line_end(nxt)]
        if below:
            return below[0]
    return None


_HOURS_LABELS = [
    r"NOMBRE\s+D'HEURES(?:\s+D'EVALUATION)?", r"DUREE(?:\s+(?:TOTALE\s+)?DE\s+L'EVALUATION)?", r"VOLUME\s+HORAIRE",
    r"HEURES\s+D'EVALUATION", r"\bDUREE\s+PREVUE",
]  # fmt: skip


def read_quote(text: Text, as_of: date) -> Fields:
    fees = _fees(text)
    amount = _hours_price(text)
    if amount is None:
        total = text.amount_after(_TOTAL_LABELS, same_line=True)
        if total is not None:
            # Only a total is shown: what remains once the fees shown apart are taken off.
            amount = total - (fees or 0.0) if total >= (fees or 0.0) else None
    hours = common.hours_after(text, _HOURS_LABELS)
    if hours is None:
        match = re.search(r"(?<![\d,.])(\d{1,3}(?:[,.]\d{1,2})?)\s*(?:H|HEURES?)\s+D'EVALUATION", text.folded)
        hours = float(match.group(1).replace(",", ".")) if match else None
    start, end = common.start_end(text)
    return {
        "evaluator_name": _organisation(text, header=True),
        "siret": common.siret(text),
        "nda": common.nda(text),
        "beneficiary_name": _beneficiary(text),
        "certification": common.certification(text),
        "evaluation": common.evaluation(text),
        "hours": tidy_number(hours) if hours is not None else None,
        "amount_eur": tidy_number(amount) if amount is not None else None,
        "fees_eur": fees,
        "start_date": start,
        "end_date": end,
    }


_VALID_FROM_LABELS = [
    r"(?:DATE\s+DE\s+)?DEBUT\s+(?:DE\s+(?:LA\s+)?|D')(?:VALIDITE|HABILITATION|CERTIFICATION|CYCLE)",
    r"VALABLE\s+A\s+COMPTER\s+DU", r"A\s+COMPTER\s+DU", r"DATE\s+D'EFFET",
    r"DATE\s+DE\s+(?:CERTIFICATION|DELIVRANCE|DECISION|PRISE\s+D'EFFET|L'HABILITATION)", r"EN\s+VIGUEUR\s+DEPUIS\s+LE",
    r"VALIDE?\s+(?:A\s+PARTIR\s+)?DU", r"DEPUIS\s+LE", r"DELIVREE?\s+LE", r"DATE\s+D'HABILITATION", r"DATE\s+DE\s+DEBUT",
    r"\bDEBUT\s*:", r"HABILITEE?\s+DEPUIS\s+LE", r"CERTIFIEE?\s+DEPUIS\s+LE",
]  # fmt: skip
_VALID_UNTIL_LABELS = [
    r"(?:DATE\s+DE\s+)?FIN\s+(?:DE\s+(?:LA\s+)?|D')(?:VALIDITE|HABILITATION|CERTIFICATION|CYCLE)",
    r"VALABLE\s+JUSQU'?\s?AU", r"VALIDE?\s+JUSQU'?\s?AU", r"JUSQU'?\s?AU", r"DATE\s+D'(?:EXPIRATION|ECHEANCE)",
    r"EXPIRE\s+LE", r"DATE\s+DE\s+FIN\b", r"\bFIN\s*:", r"DATE\s+LIMITE\s+DE\s+VALIDITE",
]  # fmt: skip
_VALIDITY_PERIOD = [r"VALIDITE", r"VALABLE", r"VALIDE", r"HABILITEE?", r"PERIODE", r"CERTIFIEE?"]


def _validity(text: Text) -> tuple[date | None, date | None]:
    start = text.date_after(_VALID_FROM_LABELS, window=50)
    end = text.date_after(_VALID_UNTIL_LABELS, window=50)
    if start is None or end is None or (start and end and end <= start):
        p_start, p_end = common.period(text, _VALIDITY_PERIOD, window=140)
        if not (p_start and p_end):
            # A table row "CléA du 23/01/2026 au 22/01/2029" under no validity label.
            p_start, p_end = common.period(text, [r"\bDU\b(?=\s+\d|\s+1\s?ER)"], window=60)
        if p_start and p_end:
            start, end = (start if start and start < p_end else p_start), (end if end and end > p_start else p_end)
    return start, end


_CERTIFIED_LABELS = [
    r"DELIVREE?\s+A\s*:?", r"DECERNEE?\s+A\s*:?", r"ATTRIBUEE?\s+A\s*:?", r"ORGANISME\s+CERTIFIE\s*:?",
    r"CERTIFIE\s+QUE\s*(?:L'ORGANISME)?\s*:?", r"NOM\s+DE\s+L'ORGANISME\s*:?", r"RAISON\s+SOCIALE\s*:?",
    r"L'ORGANISME\s*:?", r"ORGANISME\s+(?:EVALUATEUR\s+)?HABILITE\s*:?", r"ATTESTE\s+QUE\s*(?:L'ORGANISME)?\s*:?",
    r"\bTITULAIRE(?:\s+DU\s+CERTIFICAT)?\s*:?", r"\bBENEFICIAIRE\s*:?", r"ORGANISME\s+DE\s+FORMATION\s*:?",
]  # fmt: skip


def read_qualiopi(text: Text, as_of: date) -> Fields:
    valid_from, valid_until = _validity(text)
    return {
        "holder_name": _organisation(text, _CERTIFIED_LABELS),
        "siret": common.siret(text),
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def read_habilitation(text: Text, as_of: date) -> Fields:
    valid_from, valid_until = _validity(text)
    return {
        "holder_name": _organisation(text, _CERTIFIED_LABELS),
        "siret": common.siret(text),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "certifications": common.certifications(text),
    }


# ---------------------------------------------------------------- DISP liaison form

_FACILITY = re.compile(
    r"(?:CENTRE\s+PENITENTIAIRE|MAISON\s+D'ARRET|CENTRE\s+DE\s+DETENTION|MAISON\s+CENTRALE|"
    r"CENTRE\s+DE\s+SEMI-?\s?LIBERTE|ETABLISSEMENT\s+PENITENTIAIRE\s+POUR\s+MINEURS)"
    r"\s+(?:DE\s+LA\s+|DE\s+L'|DU\s+|DES\s+|DE\s+|D')?[A-Z][A-Z'\- ]{1,40}"
)
_FACILITY_LABELS = [
    r"ETABLISSEMENT(?:\s+PENITENTIAIRE)?(?:\s+D'(?:AFFECTATION|ECROU)|\s+DE\s+DETENTION)?\s*:", r"LIEU\s+DE\s+DETENTION\s*:",
    r"LIEU\s+D'INCARCERATION\s*:", r"ETABLISSEMENT\s+D'ECROU",
]  # fmt: skip
_DISP_DATE_LABELS = [r"DATE\s+D'EMISSION", r"DATE\s+DE\s+LA\s+FICHE", r"DELIVREE?\s+LE", r"ETABLIE?\s+LE",
                     r"DATE\s+DE\s+DELIVRANCE", r"FAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE", r"\bDATE\s*:"]  # fmt: skip


def split_full_name(full: str, surname: str | None, given: str | None) -> tuple[str | None, str | None]:
    """"BENALI Agnès" or "Agnès BENALI": the word in capitals is the surname. Unsplittable: all in surname."""
    parts = full.split()
    upper = [p for p in parts if p.isupper() and len(p) > 1]
    if upper and len(upper) < len(parts):
        return surname or " ".join(upper), given or " ".join(p for p in parts if p not in upper)
    if surname is None and given is None:
        return full, None
    return surname, given


def read_disp(text: Text, as_of: date) -> Fields:
    facility = None
    for match in text.labels(_FACILITY_LABELS):
        rest = text.raw[match.end() : text.line_end(match.end())]
        facility = common.clean_organisation(rest)
        if facility:
            break
    if facility is None:
        found = _FACILITY.search(text.folded)
        if found:
            end = found.end()
            line_end = text.line_end(found.start())
            facility = text.raw[found.start() : min(end, line_end)].strip(" -,")
    surname = _name_value(text, _SURNAME_LABELS)
    given = _name_value(text, _GIVEN_LABELS)
    if surname is None or given is None:
        full = common.person_after(
            text, [r"NOM\s+ET\s+PRENOMS?\s*:?", r"\bPERSONNE\s+DETENUE\s*:?", r"\bDETENUE?\s*:", r"\bINTERESSEE?\s*:?"]
        )
        if full:
            surname, given = split_full_name(full, surname, given)
    return {
        "surname": surname,
        "given_names": given,
        "facility": facility,
        "issue_date": text.date_after(_DISP_DATE_LABELS, window=60),
    }


# ---------------------------------------------------------------- claim documents


def read_execution_report(text: Text, as_of: date) -> Fields:
    start, end = common.start_end(text)
    return {
        "beneficiary_name": _beneficiary(text),
        "certification": common.certification(text),
        "evaluation": common.evaluation(text),
        "start_date": start,
        "end_date": end,
        "evaluator_name": _organisation(text),
    }


_DONE_HOURS_LABELS = [
    r"NOMBRE\s+(?:TOTAL\s+)?D'HEURES\s+(?:REALISEES|EFFECTUEES|SUIVIES|DE\s+PRESENCE)", r"HEURES\s+REALISEES",
    r"HEURES\s+EFFECTUEES", r"TOTAL\s+(?:DES\s+)?HEURES", r"DUREE\s+(?:TOTALE\s+)?(?:REALISEE|EFFECTUEE|SUIVIE)",
    r"A\s+(?:BIEN\s+)?(?:SUIVI|EFFECTUE|REALISE)", r"NOMBRE\s+D'HEURES", r"\bDUREE\b", r"\bTOTAL\b",
]  # fmt: skip


def read_hours_attestation(text: Text, as_of: date) -> Fields:
    table = common.header_table(text, common.TABLE_COLUMNS)
    hours = table.get("hours") if isinstance(table.get("hours"), float) else None
    if hours is None:
        hours = common.hours_after(text, _DONE_HOURS_LABELS, window=60)
    start, end = common.start_end(text)
    return {
        "beneficiary_name": _beneficiary(text),
        "hours": tidy_number(hours) if hours is not None else None,
        "start_date": start,
        "end_date": end,
        "evaluator_name": _organisation(text),
    }


_RIB_HOLDER_LABELS = [
    r"TITULAIRE\s+DU\s+COMPTE\s*:?", r"INTITULE\s+DU\s+COMPTE\s*:?", r"NOM\s+DU\s+TITULAIRE\s*:?", r"\bTITULAIRE\s*:?",
    r"\bCOMPTE\s+DE\s*:?",
]  # fmt: skip
_RIB_DATE_LABELS = [r"EDITEE?\s+LE", r"DATE\s+D'EDITION", r"DATE\s+D'EMISSION", r"EMISE?\s+LE", r"ETABLIE?\s+LE",
                    r"DELIVREE?\s+LE", r"DATE\s+DE\s+DELIVRANCE", r"FAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE",
                    r"IMPRIMEE?\s+LE", r"\bDATE\s*:", r"\bLE\s+(?=\d)"]  # fmt: skip


def read_bank_details(text: Text, as_of: date) -> Fields:
    holder = None
    for match in text.labels(_RIB_HOLDER_LABELS):
        rest = text.raw[match.end() : text.line_end(match.end())]
        holder = common.clean_organisation(rest)
        if not holder:
            nxt = text.line_end(match.end()) + 1
            holder = common.clean_organisation(text.raw[nxt : text.line_end(nxt)]) if nxt < len(text.raw) else None
        if holder:
            holder = common.CIVILITY.sub("", holder).strip()
            break
    iban = None
    for pattern in (r"\bIBAN\b\s*(?:\([^)]*\))?\s*:?", None):
        start = 0
        if pattern:
            match = text.find(pattern)
            if not match:
                continue
            start = match.end()
        found = identifiers.IBAN_RE.search(text.folded, start)
        if found:
            iban = identifiers.compact_iban(found.group(1))
            break
    bic = None
    match = text.find(r"\b(?:BIC|SWIFT|CODE\s+BIC)\b(?:\s*/\s*SWIFT)?\s*(?:\([^)]*\))?\s*:?\s*")
    if match:
        found = identifiers.BIC_RE.search(text.folded[match.end() : match.end() + 40])
        if found:
            bic = found.group(1)
    return {
        "holder_name": holder,
        "iban": iban,
        "bic": bic,
        "issue_date": text.date_after(_RIB_DATE_LABELS, window=50),
    }


READERS: dict[DocType, Callable[[Text, date], Fields]] = {
    DocType.PROOF_OF_ADDRESS: read_proof_of_address,
    DocType.QUOTE: read_quote,
    DocType.QUALIOPI_CERTIFICATE: read_qualiopi,
    DocType.CLEA_HABILITATION: read_habilitation,
    DocType.DISP_LIAISON: read_disp,
    DocType.EXECUTION_REPORT: read_execution_report,
    DocType.HOURS_ATTESTATION: read_hours_attestation,
    DocType.BANK_DETAILS: read_bank_details,
}
