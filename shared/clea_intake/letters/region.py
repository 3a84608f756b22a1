"""The sender's identity and the fixed legal wording every decision carries (law, not scheme policy)."""

from __future__ import annotations

REGION_NAME = "Région Nouvelle-Aquitaine"
DIRECTION = "Direction de la formation professionnelle"
SERVICE = "Aides individuelles à la certification CléA"
HEADING = f"{REGION_NAME} — {DIRECTION}"
POSTAL_ADDRESS = ("14 rue François de Sourdis", "CS 81383", "33077 Bordeaux Cedex")
WEBSITE = "www.nouvelle-aquitaine.fr"
PLACE = "Bordeaux"
AUTHORITY = "Le Président du Conseil régional de Nouvelle-Aquitaine"
# No signatory's name is known to the system; the delegation formula is the honest minimum.
SIGNATURE = ("Pour le Président du Conseil régional", "et par délégation,", DIRECTION)

# Code de justice administrative, art. R. 421-1: two months to go to court, extended by a prior
# recours gracieux; the court with territorial jurisdiction over Bordeaux is that of Bordeaux.
APPEAL_MONTHS_TEXT = "deux mois"
COURT = "tribunal administratif de Bordeaux"
COURT_ADDRESS = "9 rue Tastet, CS 21490, 33063 Bordeaux Cedex"
TELERECOURS = "www.telerecours.fr"


def appeal_paragraphs() -> tuple[str, ...]:
    """How to contest a decision, in the order the person should act."""
    address = ", ".join(POSTAL_ADDRESS)
    return (
        f"Si vous contestez cette décision, vous pouvez, dans un délai de {APPEAL_MONTHS_TEXT} à compter "
        f"de sa notification, former un recours gracieux auprès du Président du Conseil régional de "
        f"Nouvelle-Aquitaine ({address}), en rappelant la référence de votre dossier.",
        f"Vous pouvez ensuite, ou directement, saisir le {COURT} ({COURT_ADDRESS}) dans le même délai "
        f"de {APPEAL_MONTHS_TEXT} ; s'il a été formé, le recours gracieux prolonge ce délai, qui court "
        f"à nouveau à compter de la réponse de la Région (son silence pendant deux mois vaut rejet). "
        f"Le tribunal peut aussi être saisi par l'application Télérecours citoyens ({TELERECOURS}).",
    )


# The assessed domains of each certificate, as published by Certif Pro; the execution report
# form lists them so that the evaluator records the result domain by domain.
DOMAINS = {
    "clea_socle": (
        "S'exprimer en français",
        "Calculer, raisonner",
        "Utiliser les techniques usuelles de l'information et de la communication numérique",
        "Travailler dans le cadre de règles définies d'un travail en équipe",
        "Travailler en autonomie et réaliser un objectif individuel",
        "Apprendre à apprendre tout au long de la vie",
        "Maîtriser les gestes et postures, et respecter des règles d'hygiène, de sécurité "
        "et environnementales élémentaires",
    ),
    "clea_numerique": (
        "Identifier son environnement et utiliser les outils associés",
        "Acquérir et exploiter de l'information dans un environnement professionnel numérisé",
        "Interagir en mode collaboratif",
        "Appliquer les règles et bonnes pratiques de la sécurité numérique",
    ),
}
