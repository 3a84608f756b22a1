"""The catalogue of document finding codes: stable code, severity and a French sentence for the citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from clea_intake.domain.findings import DocType, Finding, Severity


@dataclass(frozen=True)
class FindingSpec:
    severity: Severity
    template: str


# Codes are part of the contract (ops, letters and outside scripts use them): add, never rename.
CATALOGUE: dict[str, FindingSpec] = {
    # File safety and reading
    "EMPTY_FILE": FindingSpec("error", "Le fichier envoyé est vide."),
    "FILE_TOO_LARGE": FindingSpec(
        "error", "Le fichier est trop volumineux : la taille maximale acceptée est de {max_mb} Mo."
    ),
    "UNSUPPORTED_FILE_TYPE": FindingSpec(
        "error", "Le format du fichier n'est pas accepté : envoyez un PDF ou une photo (JPEG, PNG, HEIC ou WebP)."
    ),
    "FILE_CORRUPT": FindingSpec(
        "error", "Le fichier est endommagé et ne peut pas être ouvert : merci de l'envoyer à nouveau."
    ),
    "FILE_TRUNCATED": FindingSpec(
        "error",
        "Le fichier est incomplet (il a sans doute été coupé pendant l'envoi) : merci de l'envoyer à nouveau.",
    ),
    "FILE_ENCRYPTED": FindingSpec(
        "error", "Le PDF est protégé par un mot de passe : envoyez une version sans mot de passe."
    ),
    "TOO_MANY_PAGES": FindingSpec(
        "error", "Le document compte {count} pages, alors que {max_pages} pages au plus sont acceptées."
    ),
    "IMAGE_TOO_LARGE": FindingSpec(
        "error",
        "L'image est trop grande pour être traitée : envoyez une photo ou un scan de résolution plus faible.",
    ),
    "AMBIGUOUS_FILE_TYPE": FindingSpec(
        "error",
        "Le fichier est à la fois de plusieurs formats (par exemple un PDF et une archive ou une page web) : "
        "enregistrez-le à nouveau en PDF simple ou envoyez une photo du document.",
    ),
    "ACTIVE_CONTENT": FindingSpec(
        "error",
        "Le PDF contient des éléments actifs (script, action automatique, fichier joint ou formulaire "
        "dynamique) : envoyez une copie simple, par exemple imprimée en PDF ou photographiée.",
    ),
    "PROCESSING_LIMIT": FindingSpec(
        "error",
        "Le fichier est trop lourd ou trop complexe pour être analysé : envoyez une copie plus légère, par "
        "exemple un PDF simple ou une photo du document.",
    ),
    "UNREADABLE": FindingSpec(
        "error", "Le texte du document n'a pas pu être lu : envoyez une copie plus nette et bien éclairée."
    ),
    "UNKNOWN_TYPE": FindingSpec(
        "error", "Nous n'avons pas reconnu de quel document il s'agit : vérifiez que c'est la bonne pièce."
    ),
    "LOW_CONFIDENCE": FindingSpec(
        "warning",
        "Le type du document n'a pas pu être reconnu avec certitude ({doc_label} ?) : un agent va le vérifier.",
    ),
    # Fields
    "FIELD_MISSING": FindingSpec("warning", "Une information n'a pas pu être lue sur le document : {field_label}."),
    "REQUIRED_FIELD_MISSING": FindingSpec(
        "error", "Une information indispensable n'a pas pu être lue sur le document : {field_label}."
    ),
    "DATE_IN_FUTURE": FindingSpec(
        "error", "La date indiquée ({field_label} : {day}) est postérieure à la date de réception du document."
    ),
    "DATES_INCOHERENT": FindingSpec(
        "error", "Les dates du document sont incohérentes : {first_label} ({first}) après {second_label} ({second})."
    ),
    # Identity
    "IDENTITY_EXPIRED": FindingSpec("error", "{doc_label} n'est plus valable depuis le {day}."),
    "MRZ_CHECK_DIGIT": FindingSpec(
        "error",
        "La bande de lecture automatique {doc_label_of} contient une clé de contrôle fausse ({part}) : "
        "le document est peut-être abîmé, mal photographié ou modifié.",
    ),
    "NOT_IDENTITY_DOCUMENT": FindingSpec(
        "error",
        "Ce document est un visa, qui n'est pas une pièce d'identité : envoyez votre passeport, votre carte "
        "d'identité ou votre titre de séjour.",
    ),
    "MRZ_NOT_FOUND": FindingSpec(
        "warning",
        "La bande de lecture automatique (les lignes avec des chevrons « < ») n'a pas pu être lue : "
        "un agent va vérifier le document.",
    ),
    # Proof of address, RIB
    "PROOF_TOO_OLD": FindingSpec(
        "error",
        "Le justificatif de domicile date du {day} : il doit dater de moins de {months} mois "
        "à sa réception (le {as_of}).",
    ),
    "RIB_TOO_OLD": FindingSpec(
        "error",
        "Le relevé d'identité bancaire date du {day} : il doit dater de moins de {months} mois "
        "à sa réception (le {as_of}).",
    ),
    # Identifiers
    "IBAN_INVALID": FindingSpec("error", "L'IBAN indiqué sur le RIB n'est pas valide (clé de contrôle fausse)."),
    "BIC_INVALID": FindingSpec("error", "Le code BIC indiqué sur le RIB n'est pas valide."),
    "SIRET_INVALID": FindingSpec(
        "error", "Le numéro SIRET {siret} n'est pas valide (clé de contrôle fausse ou mauvais nombre de chiffres)."
    ),
    "SIREN_INVALID": FindingSpec("error", "Le numéro SIREN {siren} n'est pas valide (clé de contrôle fausse)."),
    "NDA_INVALID": FindingSpec(
        "error", "Le numéro de déclaration d'activité {nda} n'est pas valide : il doit comporter 11 chiffres."
    ),
    # Quote
    "QUOTE_MENTION_MISSING": FindingSpec("error", "Il manque au devis une mention obligatoire : {mention}."),
    # Evaluator certificates
    "CERTIFICATE_EXPIRED": FindingSpec("error", "{doc_label} n'est plus valable depuis le {day}."),
    "CERTIFICATE_NOT_YET_VALID": FindingSpec(
        "warning", "{doc_label} ne sera valable qu'à partir du {day}."
    ),
    "HABILITATION_NO_CERTIFICATION": FindingSpec(
        "error", "L'attestation d'habilitation ne mentionne ni CléA Socle ni CléA Numérique."
    ),
}

DOC_LABELS: dict[DocType, str] = {
    DocType.IDENTITY_CARD: "La carte nationale d'identité",
    DocType.PASSPORT: "Le passeport",
    DocType.RESIDENCE_PERMIT: "Le titre de séjour",
    DocType.PROOF_OF_ADDRESS: "Le justificatif de domicile",
    DocType.QUOTE: "Le devis",
    DocType.QUALIOPI_CERTIFICATE: "Le certificat Qualiopi",
    DocType.CLEA_HABILITATION: "L'attestation d'habilitation CléA",
    DocType.DISP_LIAISON: "La fiche de liaison DISP",
    DocType.EXECUTION_REPORT: "Le compte rendu d'exécution",
    DocType.HOURS_ATTESTATION: "L'attestation des heures réalisées",
    DocType.BANK_DETAILS: "Le relevé d'identité bancaire",
    DocType.UNKNOWN: "Document non reconnu",
}

FIELD_LABELS: dict[str, str] = {
    "surname": "le nom",
    "given_names": "les prénoms",
    "birth_date": "la date de naissance",
    "document_number": "le numéro du document",
    "issue_date": "la date d'émission",
    "expiry_date": "la date de fin de validité",
    "nationality": "la nationalité",
    "permit_kind": "la nature du titre",
    "holder_name": "le nom du titulaire",
    "postal_code": "le code postal",
    "city": "la commune",
    "siret": "le numéro SIRET",
    "nda": "le numéro de déclaration d'activité",
    "beneficiary_name": "le nom du bénéficiaire",
    "certification": "la certification (CléA Socle ou CléA Numérique)",
    "evaluation": "le type d'évaluation (initiale ou finale)",
    "hours": "le nombre d'heures",
    "amount_eur": "le prix des heures d'évaluation",
    "fees_eur": "les frais annexes",
    "start_date": "la date de début",
    "end_date": "la date de fin",
    "valid_from": "la date de début de validité",
    "valid_until": "la date de fin de validité",
    "certifications": "les certifications couvertes",
    "facility": "l'établissement pénitentiaire",
    "iban": "l'IBAN",
    "bic": "le BIC",
    "evaluator_name": "le nom de l'organisme évaluateur",
}


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def doc_label(doc_type: DocType) -> str:
    return DOC_LABELS[doc_type]


def of_label(label: str) -> str:
    """A document's label after "de", with French elision and contraction: "du passeport", "de la carte…",
    "de l'attestation…"."""
    lower = label[:1].lower() + label[1:]
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if lower.startswith(article):
            return contracted + lower[len(article):]
    return "de " + lower


def make_finding(code: str, **params: Any) -> Finding:
    """Build the Finding for `code`; dates are shown the French way and field names by their French label."""
    spec = CATALOGUE[code]
    values: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, date):
            value = french_date(value)
        elif isinstance(value, DocType):
            value = DOC_LABELS[value]
        values[key] = value
    if "field" in params and "field_label" not in values:
        values["field_label"] = FIELD_LABELS.get(params["field"], params["field"])
    if "doc_label" in values:
        label = str(values["doc_label"])
        values.setdefault("doc_label_of", of_label(label))
    return Finding(code=code, severity=spec.severity, message=spec.template.format(**values))
