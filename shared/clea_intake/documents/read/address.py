"""Proof of address: who it names, where, when it was issued, and what kind of bill it is."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents.read import Fields
from clea_intake.documents.read.dates import signed_date
from clea_intake.documents.read.labels import labelled
from clea_intake.documents.read.persons import (
    clean_person,
    first_person_in,
    person_after,
    person_from_parts,
    person_in_prose,
)
from clea_intake.documents.reading import Text, fold_aligned
from clea_intake.documents.textutil import POSTAL_CITY_RE, split_postal
from clea_intake.domain.names import CIVILITIES

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
            name = clean_person(raw, name_field=True)  # the addressee's own line, above the street
            if name and len(name.split()) >= 2:
                city = text.raw_lines[index][match.start("city") : match.end("city")].strip()
                blocks.append((name, match.group("cp").replace(" ", ""), city, offsets[j]))
                break
    return blocks


# A line opening with a civility; a bare "M" without its dot opens too many other lines (a column, an initial).
_ADDRESSEE = re.compile(
    r"(?m)^[ \t]*(?:M\.|(?:" + "|".join(sorted(CIVILITIES - {"M"}, key=lambda w: (-len(w), w))) + r")\.?|M\s+ET\s+MME)\s+\S"
)


def _holder_line(text: Text) -> tuple[str | None, int]:
    for position, raw in labelled(text, _HOLDER_LABELS):
        name = clean_person(raw, name_field=True)
        if name and not _looks_like_organisation(name):
            return name, position
    # Addressee blocks start with a civility: "M. MARTIN Léa", "Madame Léa Martin".
    for match in _ADDRESSEE.finditer(text.folded):
        line = text.raw[match.start() : text.line_end(match.start())]
        name = clean_person(line, name_field=True)
        if name:
            return name, match.start()
    name, position = person_in_prose(
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
    """The proof of address: its holder (the hosted person for a host's attestation), place, issue date and kind."""
    kind = _proof_kind(text)
    holder: str | None = None
    anchor = 0
    if kind == "host_attestation":
        # The piece proves the hosted person's address, not the host's.
        for match in text.labels(_HOSTED_LABELS):
            rest = text.raw[match.end() : match.end() + 160]
            holder = first_person_in(rest.replace("\n", " "))
            if holder:
                anchor = match.end()
                break
            holder = None
        if holder is None:
            section = text.find(r"PERSONNE\s+HEBERGEE|HEBERGE\(?E?\)?\s*$")
            if section is not None:
                holder = person_from_parts(text, section.end()) or person_after(
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
    issue = text.date_after(_PROOF_DATE_LABELS, window=60) or signed_date(text)
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
