"""Stable refusal reason codes and the French sentence each one gives the applicant."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    LATE_COMPLETION = "LATE_COMPLETION"
    NOT_RESIDENT = "NOT_RESIDENT"
    INELIGIBLE_SITUATION = "INELIGIBLE_SITUATION"
    FUNDED_ELSEWHERE = "FUNDED_ELSEWHERE"
    EVALUATOR_NOT_IN_REGION = "EVALUATOR_NOT_IN_REGION"
    EVALUATOR_NOT_QUALIOPI = "EVALUATOR_NOT_QUALIOPI"
    EVALUATOR_NOT_HABILITATED = "EVALUATOR_NOT_HABILITATED"
    DUPLICATE_AID = "DUPLICATE_AID"


REFUSAL_MESSAGES: dict[Reason, str] = {
    Reason.LATE_COMPLETION: (
        "Votre dossier n'était pas complet au moins 3 semaines avant le début de l'évaluation, "
        "comme l'exige le règlement de l'aide."
    ),
    Reason.NOT_RESIDENT: (
        "Votre justificatif de domicile indique une résidence principale hors de la Nouvelle-Aquitaine ; "
        "l'aide est réservée aux personnes qui résident dans la région."
    ),
    Reason.INELIGIBLE_SITUATION: (
        "L'aide est réservée aux personnes sans emploi, aux personnes accompagnées par une structure "
        "d'insertion par l'activité économique (SIAE) et aux personnes détenues dans un établissement "
        "pénitentiaire de Nouvelle-Aquitaine ; votre situation déclarée n'entre dans aucun de ces cas."
    ),
    Reason.FUNDED_ELSEWHERE: (
        "Votre évaluation relève d'un financement de Transition Pro ou d'une branche professionnelle, "
        "qui ne peut pas se cumuler avec l'aide régionale."
    ),
    Reason.EVALUATOR_NOT_IN_REGION: (
        "L'organisme évaluateur choisi n'est pas établi en Nouvelle-Aquitaine ; l'aide ne finance que "
        "les évaluations réalisées par un organisme situé dans la région."
    ),
    Reason.EVALUATOR_NOT_QUALIOPI: (
        "L'organisme évaluateur n'avait pas de certificat Qualiopi en cours de validité à la date où "
        "votre dossier a été complet."
    ),
    Reason.EVALUATOR_NOT_HABILITATED: (
        "L'habilitation CléA (Certif Pro) de l'organisme évaluateur ne couvre pas toute la période de "
        "votre évaluation ou ne porte pas sur cette certification."
    ),
    Reason.DUPLICATE_AID: (
        "Une aide a déjà été accordée pour vous cette année pour la même certification et le même type "
        "d'évaluation ; une seule aide est possible par an."
    ),
}


def refusal_message(code: str) -> str:
    return REFUSAL_MESSAGES[Reason(code)]
