"""The completeness checklist: which pieces a case needs, and whether each one is present and valid."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from clea_intake.documents.countries import alpha2, free_movement
from clea_intake.domain.application import Application
from clea_intake.domain.calendar import is_recent
from clea_intake.domain.findings import IDENTITY_TYPES, DocType
from clea_intake.domain.names import holder_matches, organisation_matches, person_matches
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import Policy

PIECE_LABELS: dict[str, str] = {
    "IDENTITY": "Pièce d'identité en cours de validité",
    "RESIDENCE_PERMIT": "Titre de séjour valable jusqu'à la fin de l'évaluation (ou récépissé de renouvellement)",
    "PROOF_OF_ADDRESS": "Justificatif de domicile de moins de 3 mois",
    "DISP_LIAISON": "Fiche de liaison de la Direction interrégionale des services pénitentiaires (DISP)",
    "QUOTE": "Devis type régional de l'organisme évaluateur",
    "QUALIOPI": "Certificat Qualiopi de l'organisme évaluateur",
    "HABILITATION": "Attestation d'habilitation CléA (Certif Pro) de l'organisme évaluateur",
}


class MissingPiece(BaseModel):
    """A required piece that is absent or cannot be accepted, and why (in French)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    code: str          # e.g. MISSING_PROOF_OF_ADDRESS, INVALID_IDENTITY
    piece: str         # IDENTITY, PROOF_OF_ADDRESS...
    label: str
    message: str


class Completeness(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    missing: list[MissingPiece]
    in_review: list[str]  # doc ids a person must look at before the file can be complete
    chosen: dict[str, Piece]  # piece code -> the piece the decision relies on

    @property
    def complete(self) -> bool:
        return not self.missing


def _missing(piece: str, message: str | None = None) -> MissingPiece:
    return MissingPiece(
        code=f"MISSING_{piece}", piece=piece, label=PIECE_LABELS[piece],
        message=message or f"Pièce manquante : {PIECE_LABELS[piece].lower()}.",
    )


def _invalid(piece: str, reasons: list[str]) -> MissingPiece:
    return MissingPiece(
        code=f"INVALID_{piece}", piece=piece, label=PIECE_LABELS[piece],
        message=" ".join(dict.fromkeys(reasons)) or "La pièce fournie ne peut pas être acceptée.",
    )


def _blocking_messages(piece: Piece) -> list[str]:
    return [f.message for f in piece.findings if f.blocking]


def _pick(piece_code: str, candidates: list[Piece], check) -> tuple[MissingPiece | None, Piece | None]:
    """The newest candidate that passes; else why the newest one fails (or that none was sent)."""
    if not candidates:
        return _missing(piece_code), None
    problems: list[str] = []
    for candidate in sorted(candidates, key=lambda p: p.received_at, reverse=True):
        reasons = _blocking_messages(candidate) + check(candidate)
        if not reasons:
            return None, candidate
        problems = problems or reasons
    return _invalid(piece_code, problems), None


def _is_receipt(p: Piece) -> bool:
    kind = str(p.fields.get("permit_kind") or "").lower()
    return "récépissé" in kind or "recepisse" in kind


def _identity_problems(p: Piece, policy: Policy) -> list[str]:
    """Why a piece of an identity type does not prove identity on its own (DESIGN §1).

    A national identity card proves identity for nationals of the EU, the EEA and Switzerland; a card of any other
    state does not (its holder sends a passport or a French residence permit). A receipt for a permit application
    stands in for the permit, never for the identity document.
    """
    if p.doc_type == DocType.IDENTITY_CARD:
        nationality = alpha2(str(p.fields.get("nationality") or ""))
        if nationality is not None and not free_movement(nationality, policy.identity.free_movement_nationalities):
            return ["Une carte d'identité d'un pays hors de l'Union européenne, de l'Espace économique européen ou "
                    "de la Suisse ne suffit pas : envoyez votre passeport ou votre titre de séjour."]
    if p.doc_type == DocType.RESIDENCE_PERMIT and _is_receipt(p):
        return ["Un récépissé de demande de titre de séjour ne remplace pas la pièce d'identité : envoyez aussi "
                "votre passeport."]
    return []


def needs_residence_permit(app: Application, policy: Policy) -> bool:
    return app.applicant.nationality not in policy.identity.free_movement_nationalities


def evaluate(app: Application, pieces: list[Piece], policy: Policy) -> Completeness:
    """Check every required piece of the application against what was received and read."""
    active = [p for p in pieces if p.source == "application" and p.status in ("read", "review")]
    in_review = [p.doc_id for p in active if p.status == "review"]
    read = [p for p in active if p.status == "read"]
    applicant = app.applicant
    evaluator = app.evaluator

    def of(*types: DocType) -> list[Piece]:
        return [p for p in read if p.doc_type in types]

    def is_applicant(p: Piece) -> list[str]:
        if person_matches(p.fields.get("surname"), p.fields.get("given_names"), applicant.surname,
                          applicant.given_names):
            born = p.date_field("birth_date")
            if born is None or born == applicant.birth_date:
                return []
            return ["La date de naissance de la pièce ne correspond pas à celle du formulaire."]
        return ["Le nom figurant sur la pièce ne correspond pas à celui du demandeur."]

    def is_evaluator_piece(p: Piece) -> list[str]:
        siret = str(p.fields.get("siret") or "").replace(" ", "")
        if siret:
            if siret == evaluator.siret or siret[:9] == evaluator.siret[:9]:
                return []
            return ["Le numéro SIRET de la pièce n'est pas celui de l'organisme évaluateur."]
        if organisation_matches(p.fields.get("holder_name"), evaluator.name):
            return []
        return ["La pièce ne désigne pas l'organisme évaluateur indiqué dans la demande."]

    def is_identity(p: Piece) -> list[str]:
        return _identity_problems(p, policy) + is_applicant(p)

    results: dict[str, tuple[MissingPiece | None, Piece | None]] = {}
    results["IDENTITY"] = _pick("IDENTITY", of(*IDENTITY_TYPES), is_identity)

    if needs_residence_permit(app, policy):
        def covers_evaluation(p: Piece) -> list[str]:
            problems = is_applicant(p)
            expiry = p.date_field("expiry_date")
            if _is_receipt(p):
                # A receipt holds the right to stay while the permit is renewed: its own validity is checked with
                # the piece (IDENTITY_EXPIRED), not against the end of the evaluation.
                return problems
            if expiry is None or expiry < app.evaluation_end:
                problems.append("Le titre de séjour n'est pas valable jusqu'à la fin de l'évaluation.")
            return problems
        results["RESIDENCE_PERMIT"] = _pick("RESIDENCE_PERMIT", of(DocType.RESIDENCE_PERMIT), covers_evaluation)

    if applicant.situation == "detainee":
        results["DISP_LIAISON"] = _pick("DISP_LIAISON", of(DocType.DISP_LIAISON), is_applicant)
    else:
        def proof_ok(p: Piece) -> list[str]:
            problems = []
            if not holder_matches(p.fields.get("holder_name"), applicant.surname, applicant.given_names):
                problems.append("Le justificatif de domicile n'est pas au nom du demandeur.")
            issued = p.date_field("issue_date")
            received = p.received_at.astimezone(policy.tz).date()
            if issued is None:
                problems.append("La date d'émission du justificatif de domicile est illisible.")
            elif not is_recent(issued, received, policy.deadlines.proof_max_age_months):
                problems.append("Le justificatif de domicile date de plus de 3 mois.")
            if not p.fields.get("postal_code"):
                problems.append("L'adresse du justificatif de domicile est illisible.")
            return problems
        results["PROOF_OF_ADDRESS"] = _pick("PROOF_OF_ADDRESS", of(DocType.PROOF_OF_ADDRESS), proof_ok)

    def quote_ok(p: Piece) -> list[str]:
        problems = is_evaluator_piece(p)
        name = p.fields.get("beneficiary_name")
        if name and not holder_matches(name, applicant.surname, applicant.given_names):
            problems.append("Le devis n'est pas établi au nom du demandeur.")
        if p.fields.get("certification") not in (None, app.certification):
            problems.append("Le devis ne porte pas sur la certification demandée.")
        if p.fields.get("evaluation") not in (None, app.evaluation):
            problems.append("Le devis ne porte pas sur le type d'évaluation demandé.")
        return problems

    results["QUOTE"] = _pick("QUOTE", of(DocType.QUOTE), quote_ok)
    results["QUALIOPI"] = _pick("QUALIOPI", of(DocType.QUALIOPI_CERTIFICATE), is_evaluator_piece)
    results["HABILITATION"] = _pick("HABILITATION", of(DocType.CLEA_HABILITATION), is_evaluator_piece)
    return Completeness(
        missing=[m for m, _ in results.values() if m is not None],
        in_review=in_review,
        chosen={code: piece for code, (_, piece) in results.items() if piece is not None},
    )


