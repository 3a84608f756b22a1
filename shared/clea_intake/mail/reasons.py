"""Stable reason codes for inbound claim e-mails, with the French sentence sent to the evaluator."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class MailReason(StrEnum):
    """Why an inbound e-mail was quarantined, or what is wrong with part of it.

    The values are a contract: ops dashboards, reply e-mails and outside scripts match on them.
    Add codes; never rename or reuse one.
    """

    MAIL_MALFORMED = "MAIL_MALFORMED"
    MAIL_DAMAGED_STRUCTURE = "MAIL_DAMAGED_STRUCTURE"
    MAIL_VIRUS = "MAIL_VIRUS"
    MAIL_NOT_SCANNED = "MAIL_NOT_SCANNED"
    MAIL_SPAM = "MAIL_SPAM"
    MAIL_NOT_AUTHENTICATED = "MAIL_NOT_AUTHENTICATED"
    MAIL_SENDER_NOT_EVALUATOR = "MAIL_SENDER_NOT_EVALUATOR"
    MAIL_SENDER_NOT_REGISTERED = "MAIL_SENDER_NOT_REGISTERED"
    MAIL_NO_REFERENCE = "MAIL_NO_REFERENCE"
    MAIL_AMBIGUOUS_REFERENCE = "MAIL_AMBIGUOUS_REFERENCE"
    MAIL_UNKNOWN_CASE = "MAIL_UNKNOWN_CASE"
    MAIL_NO_ATTACHMENT = "MAIL_NO_ATTACHMENT"
    MAIL_TOO_MANY_ATTACHMENTS = "MAIL_TOO_MANY_ATTACHMENTS"
    MAIL_ATTACHMENT_TOO_LARGE = "MAIL_ATTACHMENT_TOO_LARGE"
    MAIL_ATTACHMENTS_TOTAL_TOO_LARGE = "MAIL_ATTACHMENTS_TOTAL_TOO_LARGE"
    MAIL_ARCHIVE_ATTACHMENT = "MAIL_ARCHIVE_ATTACHMENT"
    MAIL_EMPTY_ATTACHMENT = "MAIL_EMPTY_ATTACHMENT"
    # Limits of the policy's `mail` section, checked before the message is parsed.
    MAIL_HEADER_TOO_LARGE = "MAIL_HEADER_TOO_LARGE"
    MAIL_TOO_MANY_ENCODED_WORDS = "MAIL_TOO_MANY_ENCODED_WORDS"
    MAIL_TOO_MANY_PARTS = "MAIL_TOO_MANY_PARTS"
    MAIL_TOO_DEEP = "MAIL_TOO_DEEP"
    MAIL_DECODED_TOO_LARGE = "MAIL_DECODED_TOO_LARGE"
    MAIL_TOO_MANY_LINES = "MAIL_TOO_MANY_LINES"


class ReasonText(NamedTuple):
    """The citizen-facing French sentence and the English gloss for ops and logs."""

    fr: str
    en: str


REASONS: dict[MailReason, ReasonText] = {
    MailReason.MAIL_MALFORMED: ReasonText(
        "Votre message n'a pas pu être lu : il semble endommagé. Merci de le renvoyer.",
        "The message could not be parsed into anything usable.",
    ),
    MailReason.MAIL_DAMAGED_STRUCTURE: ReasonText(
        "Votre message était partiellement endommagé ; nous en avons lu ce qui était lisible.",
        "The MIME structure was damaged; what could be recovered was kept.",
    ),
    MailReason.MAIL_VIRUS: ReasonText(
        "Votre message contient un fichier signalé comme dangereux par notre antivirus ; il n'a pas été traité.",
        "The virus scan reported an infected message.",
    ),
    MailReason.MAIL_NOT_SCANNED: ReasonText(
        "Votre message n'a pas pu être vérifié par notre antivirus ; il n'a pas été traité. "
        "Merci de le renvoyer.",
        "The virus scan did not pass (missing, GRAY or PROCESSING_FAILED).",
    ),
    MailReason.MAIL_SPAM: ReasonText(
        "Votre message a été classé comme indésirable ; il n'a pas été traité.",
        "The spam filter classified the message as spam.",
    ),
    MailReason.MAIL_NOT_AUTHENTICATED: ReasonText(
        "Nous n'avons pas pu vérifier que ce message provient bien de votre organisme "
        "(authentification de l'adresse d'envoi en échec). Merci de l'envoyer depuis votre messagerie "
        "professionnelle habituelle.",
        "DMARC did not pass, or the authenticated domain does not match the From header.",
    ),
    MailReason.MAIL_SENDER_NOT_EVALUATOR: ReasonText(
        "Ce message n'a pas été envoyé depuis l'adresse e-mail de l'organisme évaluateur enregistrée "
        "pour ce dossier.",
        "The sender is not an address registered for the case's evaluator.",
    ),
    MailReason.MAIL_SENDER_NOT_REGISTERED: ReasonText(
        "Ce message ne vient pas d'une adresse enregistrée auprès de la Région pour les demandes de "
        "versement de cet organisme : il sera examiné par les services de la Région.",
        "Another mailbox of the evaluator's organisational domain: not a registered sender address.",
    ),
    MailReason.MAIL_NO_REFERENCE: ReasonText(
        "Nous n'avons pas trouvé la référence du dossier (par exemple NA-CLEA-2026-000123) dans l'objet "
        "de votre message. Merci de la préciser et de renvoyer votre demande.",
        "No case reference in the subject or the recipient plus-address.",
    ),
    MailReason.MAIL_AMBIGUOUS_REFERENCE: ReasonText(
        "Votre message mentionne plusieurs références de dossier. Merci d'envoyer un message par dossier.",
        "More than one distinct case reference was found.",
    ),
    MailReason.MAIL_UNKNOWN_CASE: ReasonText(
        "La référence de dossier indiquée ne correspond à aucun dossier en attente de demande de paiement.",
        "The reference does not match a case awaiting a payment claim.",
    ),
    MailReason.MAIL_NO_ATTACHMENT: ReasonText(
        "Votre message ne contient aucune pièce jointe. Merci de joindre le compte rendu d'exécution, "
        "l'attestation d'heures et le RIB.",
        "No usable attachment in the message.",
    ),
    MailReason.MAIL_TOO_MANY_ATTACHMENTS: ReasonText(
        "Votre message contient trop de pièces jointes ; seules les premières ont été prises en compte.",
        "More attachments than the limit; the extra ones were dropped.",
    ),
    MailReason.MAIL_ATTACHMENT_TOO_LARGE: ReasonText(
        "Une pièce jointe dépasse la taille autorisée et n'a pas été prise en compte.",
        "One attachment exceeds the per-attachment size limit and was dropped.",
    ),
    MailReason.MAIL_ATTACHMENTS_TOTAL_TOO_LARGE: ReasonText(
        "L'ensemble des pièces jointes dépasse la taille autorisée ; certaines n'ont pas été prises en compte.",
        "The attachments together exceed the total size limit; the later ones were dropped.",
    ),
    MailReason.MAIL_ARCHIVE_ATTACHMENT: ReasonText(
        "Les fichiers compressés (zip, rar, 7z…) ne sont pas acceptés. Merci de joindre directement "
        "les documents en PDF, JPEG ou PNG.",
        "An archive attachment was not extracted.",
    ),
    MailReason.MAIL_EMPTY_ATTACHMENT: ReasonText(
        "Une pièce jointe est vide et n'a pas été prise en compte.",
        "A zero-byte attachment was dropped.",
    ),
    MailReason.MAIL_HEADER_TOO_LARGE: ReasonText(
        "Votre message n'a pas pu être traité : ses en-têtes (objet, destinataires…) sont anormalement longs. "
        "Merci de le renvoyer avec un objet court, depuis votre messagerie habituelle.",
        "A header block is larger than the policy's limit; the message was not parsed.",
    ),
    MailReason.MAIL_TOO_MANY_ENCODED_WORDS: ReasonText(
        "Votre message n'a pas pu être traité : son objet ou ses en-têtes sont codés de façon anormalement "
        "complexe. Merci de le renvoyer avec un objet court, depuis votre messagerie habituelle.",
        "More RFC 2047 encoded words in the headers than the policy allows; the message was not parsed.",
    ),
    MailReason.MAIL_TOO_MANY_PARTS: ReasonText(
        "Votre message n'a pas pu être traité : il est composé de trop d'éléments (pièces jointes, images, "
        "parties). Merci d'envoyer un message ne contenant que les documents demandés.",
        "More MIME parts than the policy allows; the message was not parsed.",
    ),
    MailReason.MAIL_TOO_DEEP: ReasonText(
        "Votre message n'a pas pu être traité : il contient trop de messages transférés ou imbriqués les uns "
        "dans les autres. Merci de joindre directement les documents à un nouveau message.",
        "MIME parts nested deeper than the policy allows; the message was not parsed.",
    ),
    MailReason.MAIL_DECODED_TOO_LARGE: ReasonText(
        "Votre message n'a pas pu être traité : son contenu dépasse la taille autorisée. Merci d'envoyer des "
        "documents moins volumineux, au besoin en plusieurs messages.",
        "The decoded content of the message is larger than the policy allows; the message was not parsed.",
    ),
    MailReason.MAIL_TOO_MANY_LINES: ReasonText(
        "Votre message n'a pas pu être traité : son contenu est découpé en un nombre anormal de lignes. "
        "Merci de le renvoyer depuis votre messagerie habituelle, les documents en pièces jointes.",
        "More lines than the policy allows (the parser's cost is per line); the message was not parsed.",
    ),
}


def _text(code: MailReason | str) -> ReasonText:
    try:
        return REASONS[MailReason(code)]
    except ValueError:
        raise KeyError(f"unknown mail reason code: {code!r}") from None


def reason_message(code: MailReason | str) -> str:
    """The French sentence for a reason code; raises KeyError on an unknown code."""
    return _text(code).fr


def reason_gloss(code: MailReason | str) -> str:
    """The English gloss of a reason code, for ops screens and logs."""
    return _text(code).en
