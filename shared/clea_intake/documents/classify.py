"""Rule-based classification: the keywords and structure real French documents carry, scored, with a confidence."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from clea_intake.documents.machine_zone import MrzReading
from clea_intake.documents.reading import Options, Text, compile_anchored, pattern_options
from clea_intake.domain.findings import DocType


@dataclass(frozen=True)
class Signal:
    pattern: re.Pattern[str]
    weight: float
    # A title signal counts twice when it appears in the title zone, where a document names itself.
    title: bool = False
    # Words the pattern cannot match without: the page's one pass over them skips most regex searches.
    literals: Options = (frozenset(),)


def _s(pattern: str, weight: float, title: bool = False) -> Signal:
    return Signal(compile_anchored(pattern), weight, title, pattern_options(pattern))


# Patterns run on folded text: upper case, no accents, plain apostrophes; OCR may drop or double spaces.
_D = r"(?:D'|D |DE |DES |DU )?\s*"
SIGNALS: dict[DocType, list[Signal]] = {
    DocType.IDENTITY_CARD: [
        _s(r"CARTE\s+NATIONALE\s+D\s?'?\s?IDENTITE", 6, True),
        _s(r"\bCARTE\s+D\s?'?\s?IDENTITE\b", 4, True),
        _s(r"\bIDENTITY\s+CARD\b", 3, True),
        _s(r"\bNOM\s+D\s?'?USAGE\b", 1),
        _s(r"\bLIEU\s+DE\s+NAISSANCE\b", 0.5),
    ],
    DocType.PASSPORT: [
        _s(r"\bPASSEPORT\b", 6, True),
        _s(r"\bPASSPORT\b", 4, True),
        _s(r"\bAUTORITE\b", 0.5),
    ],
    DocType.RESIDENCE_PERMIT: [
        _s(r"\bTITRE\s+DE\s+SEJOUR\b", 6, True),
        _s(r"\bCARTE\s+DE\s+SEJOUR\b", 6, True),
        _s(r"\bCARTE\s+DE\s+RESIDENT\b", 6, True),
        _s(r"\bRESIDENCE\s+PERMIT\b", 5, True),
        _s(r"\bAUTORISATION\s+PROVISOIRE\s+DE\s+SEJOUR\b", 6, True),
        _s(r"\bRECEPISSE\b", 2, True),
        _s(r"\bDEMANDE\s+DE\s+(?:RENOUVELLEMENT|TITRE|CARTE)", 2),
        _s(r"AUTORISE\s+(?:SON\s+TITULAIRE\s+)?A\s+TRAVAILLER", 2),
        _s(r"\bPREFE(?:CTURE|T)\b", 1),
    ],
    DocType.PROOF_OF_ADDRESS: [
        _s(r"\bJUSTIFICATIF\s+DE\s+DOMICILE\b", 4, True),
        _s(r"\bFACTURE\b", 3, True),
        _s(r"\bECHEANCIER\b", 2, True),
        _s(r"\bQUITTANCE\s+(?:DE\s+)?LOYER\b", 7, True),
        _s(r"\bQUITTANCE\b", 2, True),
        # A landlord's "avis d'échéance et quittance": the rent notice that is also its receipt.
        _s(r"\bAVIS\s+D\s?'?\s?ECHEANCE\b", 4, True),
        _s(r"\bGESTION\s+LOCATIVE\b|\bADMINISTRATION\s+DE\s+BIENS\b", 2),
        _s(r"\bAVIS\s+D\s?'?\s?IMPOTS?\b", 7, True),
        _s(r"\bAVIS\s+DE\s+(?:TAXE|SITUATION\s+DECLARATIVE)", 6, True),
        _s(r"\bTAXE\s+(?:FONCIERE|D\s?'?\s?HABITATION)\b", 3, True),
        _s(r"\bIMPOTS?\s+SUR\s+LES?\s+REVENUS?\b", 3),
        _s(r"\bREVENU\s+FISCAL\s+DE\s+REFERENCE\b", 2),
        _s(r"FINANCES\s+PUBLIQUES", 1.5),
        _s(r"ATTESTATION\s+D\s?'?\s?HEBERGEMENT", 7, True),
        _s(r"\bCERTIFIE\s+(?:SUR\s+L'HONNEUR\s+)?HEBERGER\b", 4),
        _s(r"\bHEBERGE(?:E|R)?\b", 1.5),
        _s(r"ATTESTATION\s+D\s?'?\s?ASSURANCE", 3, True),
        _s(r"\b(?:MULTIRISQUE\s+HABITATION|ASSURANCE\s+HABITATION|RISQUES\s+LOCATIFS)\b", 4, True),
        _s(r"\b(?:ELECTRICITE|GAZ\s+NATUREL|KWH|POINT\s+DE\s+LIVRAISON|COMPTEUR|INDEX)\b", 1.5),
        _s(r"\b(?:EAU\s+POTABLE|ASSAINISSEMENT|M3|ABONNEMENT\s+EAU|FACTURE\s+D\s?'?\s?EAU)\b", 1.5),
        _s(r"\b(?:INTERNET|FIBRE|BOX|FORFAIT|MOBILE|TELEPHONE\s+FIXE|LIGNE\s+FIXE|ADSL)\b", 1),
        _s(r"\b(?:LOYER|BAILLEUR|LOCATAIRE|PROPRIETAIRE|CHARGES\s+LOCATIVES)\b", 1.5),
        _s(r"\bADRESSE\s+(?:DE\s+(?:CONSOMMATION|FACTURATION|LIVRAISON|L'HEBERGEMENT)|DU\s+(?:LOGEMENT|BIEN))\b", 2),
        _s(r"\bCONSOMMATION\b", 1),
        _s(r"\bNUMERO\s+(?:CLIENT|FISCAL|D'ABONNE|DE\s+CONTRAT)|\bREFERENCE\s+CLIENT|\bN°\s*CLIENT", 1),
    ],
    DocType.QUOTE: [
        _s(r"\bDEVIS\b", 6, True),
        _s(r"\bPROPOSITION\s+(?:FINANCIERE|TARIFAIRE|COMMERCIALE)\b", 3, True),
        _s(r"\bBON\s+POUR\s+ACCORD\b", 2),
        _s(r"\bVALIDITE\s+DE\s+L'OFFRE|\bDEVIS\s+VALABLE|\bOFFRE\s+VALABLE", 2),
        _s(r"\bFRAIS\s+(?:D'INSCRIPTION|DE\s+JURY|ANNEXES|DE\s+DOSSIER|DE\s+CERTIFICATION)", 2),
        _s(r"\b(?:PRIX|TARIF|COUT)\b", 0.5),
        _s(r"\b(?:TOTAL|NET\s+A\s+PAYER)\b", 0.5),
        _s(r"\bDECLARATION\s+D'ACTIVITE\b|\bNDA\b", 1),
    ],
    DocType.QUALIOPI_CERTIFICATE: [
        _s(r"\bQUALIOPI\b", 4, True),
        _s(r"REFERENTIEL\s+NATIONAL\s+(?:SUR\s+LA\s+|DE\s+)?QUALITE", 4),
        _s(r"\bL\.?\s?6316-[13]\b", 3),
        # The legal wording of the Qualiopi mark, printed on every certificate.
        _s(r"\bCERTIFICATION\s+QUALITE\b", 4, True),
        _s(r"ACTIONS\s+CONCOURANT\s+AU\s+DEVELOPPEMENT\s+DES\s+COMPETENCES", 4),
        _s(r"\bCERTIFICAT(?:\s+DE\s+CONFORMITE|ION)?\b", 1.5, True),
        _s(r"\bORGANISME\s+CERTIFICATEUR\b", 2),
        _s(r"\bCOFRAC\b|\bACCREDITATION\b", 2),
        _s(r"\bCATEGORIES?\s+D'ACTIONS?\b|\bACTIONS?\s+DE\s+FORMATION\b|\bBILANS?\s+DE\s+COMPETENCES\b", 1),
    ],
    DocType.CLEA_HABILITATION: [
        _s(r"\bHABILITATION\b", 4, True),
        _s(r"\bCERTIF\s?-?\s?PRO\b", 3),
        _s(r"\bHABILITEE?S?\b", 2),
        _s(r"\bCLEA\b", 1),
        _s(r"\bATTESTATION\b", 0.5, True),
        _s(r"COMITE\s+PARITAIRE|PARITAIRE\s+INTERPROFESSIONNEL", 1),
    ],
    DocType.DISP_LIAISON: [
        _s(r"\bFICHE\s+DE\s+LIAISON\b", 6, True),
        _s(r"\bDISP\b", 4, True),
        _s(r"DIRECTION\s+INTER-?\s?REGIONALE\s+DES\s+SERVICES\s+PENITENTIAIRES", 5, True),
        _s(r"\bPENITENTIAIRES?\b", 2),
        _s(r"\b(?:DETENUE?S?|ECROUE?S?|ECROU|INCARCERE(?:E)?)\b", 2),
        _s(r"\bSPIP\b", 1.5),
        _s(r"\b(?:MAISON\s+D'ARRET|CENTRE\s+DE\s+DETENTION|MAISON\s+CENTRALE|CENTRE\s+PENITENTIAIRE)\b", 2),
    ],
    DocType.EXECUTION_REPORT: [
        _s(r"COMPTE\s*-?\s*RENDU\s+D\s?'?\s?EXECUTION", 8, True),
        _s(r"\bC\.?R\.?E\.?\b", 2, True),
        _s(r"\bEXECUTION\b", 2),
        _s(r"\bRESULTATS?\s+DE\s+L'EVALUATION\b", 1.5),
        _s(r"\b(?:NON\s+ACQUIS|ACQUIS|DOMAINES?\s+(?:DE\s+COMPETENCES|EVALUES?)|SOUS-DOMAINES?)\b", 1),
        _s(r"\bARRETE\s+ATTRIBUTIF\b", 1),
    ],
    DocType.HOURS_ATTESTATION: [
        _s(r"ATTESTATION\s+(?:DE\s+)?(?:PRESENCE|D'ASSIDUITE)", 7, True),
        _s(r"ATTESTATION\s+(?:DES\s+|D')?HEURES", 7, True),
        _s(r"\bHEURES\s+(?:REALISEES|EFFECTUEES|SUIVIES|DE\s+PRESENCE)\b", 3),
        _s(r"\bFEUILLE\s+D'EMARGEMENT\b|\bEMARGEMENT\b", 2),
        _s(r"\bA\s+(?:BIEN\s+)?(?:SUIVI|ETE\s+PRESENTE?|PARTICIPE)\b", 1.5),
    ],
    DocType.BANK_DETAILS: [
        _s(r"RELEVE\s+D\s?'?\s?IDENTITE\s+BANCAIRE", 8, True),
        _s(r"\bR\.?I\.?B\.?\b", 3, True),
        _s(r"\bIBAN\b", 3),
        _s(r"\bBIC\b|\bSWIFT\b", 2),
        _s(r"\bTITULAIRE\s+DU\s+COMPTE\b", 2),
        _s(r"\bDOMICILIATION\b", 2),
        _s(r"\bCODE\s+(?:BANQUE|GUICHET|ETABLISSEMENT)\b|\bCLE\s+RIB\b", 2),
        _s(r"\bIDENTIFIANT\s+INTERNATIONAL\b", 1),
    ],
}

# Signals from the text that speak against a type: a utility bill never talks about CléA evaluations.
_CLEA_CONTEXT = compile_anchored(r"\bCLEA\b|\bCERTIF\s?PRO\b|\bQUALIOPI\b")
_MRZ_TYPES = {"ID": DocType.IDENTITY_CARD, "P": DocType.PASSPORT}
_PERMIT_CODES = {"IR", "TS", "RP", "RT", "AR", "CR", "IT", "TR", "RE"}


@dataclass(frozen=True)
class Classification:
    doc_type: DocType
    confidence: float
    scores: dict[DocType, float]


STRONG = 3.0


_SIGNAL_WORDS = frozenset(word for signals in SIGNALS.values() for s in signals for o in s.literals for word in o)


def _score_type(text: Text, head: str, signals: list[Signal], present: frozenset[str] | None) -> float:
    total = 0.0
    strong = False
    folded = text.folded
    for signal in signals:
        literals = signal.literals
        # `present` is given when the page's words were looked for with every signal word indexed.
        if present is not None and len(literals) == 1:
            if not literals[0] <= present:
                continue
        elif not text.holds(literals):
            continue
        if signal.pattern.search(folded):
            total += signal.weight
            strong = strong or signal.weight >= STRONG
            if signal.title and signal.pattern.search(head):
                total += signal.weight
    # Supporting words alone ("certificat", "prix", "compteur") do not make a type: one defining sign must be there.
    return total if strong else min(total, 1.0)


def classify(text: Text, mrz: MrzReading | None) -> Classification:
    head = text.head()
    indexed, present = text.literals
    known = present if _SIGNAL_WORDS <= indexed else None
    scores = {doc_type: _score_type(text, head, signals, known) for doc_type, signals in SIGNALS.items()}
    if _CLEA_CONTEXT.search(text.folded):
        scores[DocType.PROOF_OF_ADDRESS] -= 4
    if mrz is not None and mrz.is_visa:
        # A visa's zone says what the document is: no identity document, whatever its text.
        return Classification(DocType.UNKNOWN, 0.99, scores)
    if mrz is not None:
        # A machine readable zone is the strongest structural sign of an identity document;
        # a valid one more so than one with OCR errors.
        weight = 10 if mrz.valid else 6
        code = mrz.doc_code.upper()
        # Cards coded I, A or C are identity cards unless their code or printed title says permit.
        if code in _PERMIT_CODES:
            scores[DocType.RESIDENCE_PERMIT] += weight
        elif code[:1] == "P":
            scores[DocType.PASSPORT] += weight
        else:
            scores[DocType.IDENTITY_CARD] += weight
        # A permit's MRZ may read "ID"; its printed title decides then.
        if scores[DocType.RESIDENCE_PERMIT] >= 6 and (code in _MRZ_TYPES or code[:1] in ("I", "A", "C")):
            scores[DocType.RESIDENCE_PERMIT] += weight
    # An identity document cannot be told apart by a lone "carte d'identité" inside a letter.
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best_type, best), (_second_type, second) = ranked[0], ranked[1]
    if best < 2.5:
        return Classification(DocType.UNKNOWN, round(0.0 if best <= 0 else 0.3 * best / 2.5, 2), scores)
    return Classification(best_type, confidence(best, max(second, 0.0)), scores)


def confidence(best: float, second: float) -> float:
    """0..1 from the winning score's strength and its lead over the runner-up."""
    strength = 1.0 - math.exp(-best / 5.0)
    margin = (best - second) / best
    return round(min(0.99, strength**0.5 * (0.35 + 0.65 * margin) + 0.02), 2)
