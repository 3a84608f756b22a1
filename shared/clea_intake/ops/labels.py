"""Short French labels for the codes the operations staff see on dashboards (states, reasons, pieces)."""

from __future__ import annotations

from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import State
from clea_intake.domain.reasons import Reason

STATE_LABELS: dict[State, str] = {
    State.RECEIVED: "Reçu",
    State.INCOMPLETE: "Incomplet",
    State.COMPLETE: "Complet",
    State.REFUSED: "Refusé",
    State.AWARDED: "Aide attribuée",
    State.CLAIM_INCOMPLETE: "Demande de paiement incomplète",
    State.PAYMENT_ORDERED: "Paiement ordonnancé",
    State.PAID: "Payé",
    State.CLOSED_UNPAID: "Clos sans paiement",
    State.LAPSED: "Caduc (sans demande de paiement)",
    State.WITHDRAWN: "Retiré par le demandeur",
}

# Short forms of the sentences in domain.reasons: a chart axis has no room for the applicant's letter.
REASON_LABELS: dict[Reason, str] = {
    Reason.LATE_COMPLETION: "Complet moins de 3 semaines avant l'évaluation",
    Reason.NOT_RESIDENT: "Ne réside pas en Nouvelle-Aquitaine",
    Reason.INELIGIBLE_SITUATION: "Situation non éligible",
    Reason.FUNDED_ELSEWHERE: "Financé par Transition Pro ou une branche",
    Reason.EVALUATOR_NOT_IN_REGION: "Évaluateur hors région",
    Reason.EVALUATOR_NOT_QUALIOPI: "Évaluateur sans Qualiopi valide",
    Reason.EVALUATOR_NOT_HABILITATED: "Évaluateur non habilité CléA",
    Reason.DUPLICATE_AID: "Aide déjà accordée (doublon)",
}

DOC_TYPE_LABELS: dict[DocType, str] = {
    DocType.IDENTITY_CARD: "Carte d'identité",
    DocType.PASSPORT: "Passeport",
    DocType.RESIDENCE_PERMIT: "Titre de séjour",
    DocType.PROOF_OF_ADDRESS: "Justificatif de domicile",
    DocType.QUOTE: "Devis",
    DocType.QUALIOPI_CERTIFICATE: "Certificat Qualiopi",
    DocType.CLEA_HABILITATION: "Habilitation CléA",
    DocType.DISP_LIAISON: "Fiche de liaison DISP",
    DocType.EXECUTION_REPORT: "Compte rendu d'exécution",
    DocType.HOURS_ATTESTATION: "Attestation d'heures",
    DocType.BANK_DETAILS: "RIB",
    DocType.UNKNOWN: "Pièce non reconnue",
}
