"""Deciding whether an inbound claim e-mail really comes from the case's evaluator, or goes to quarantine."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from clea_intake.mail.parse import InboundMessage
from clea_intake.mail.reasons import MailReason, reason_message

# Second-level labels that, under a two-letter country TLD, are public suffixes (co.uk, com.au, asso.fr…).
_SECOND_LEVEL_SUFFIX_LABELS = frozenset(
    {"co", "com", "org", "net", "gov", "gouv", "ac", "edu", "asso", "nom", "ltd", "plc", "sch", "or", "ne"}
)
# Multi-label public suffixes outside the two-letter-country pattern above.
_EXTRA_PUBLIC_SUFFIXES = frozenset({"cci.fr", "presse.fr", "tm.fr", "prd.fr", "port.fr"})

# Shared mailbox providers: the organisational domain says nothing about who holds the mailbox, so an
# evaluator registered with such an address must write from exactly that address.
FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com", "outlook.fr",
        "outlook.com", "live.fr", "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "aol.fr",
        "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "bbox.fr", "gmx.fr",
        "gmx.com", "protonmail.com", "proton.me", "numericable.fr", "club-internet.fr",
    }
)  # fmt: skip


class TrustVerdict(BaseModel):
    """Accepted, or quarantined with one reason code (the first check that failed)."""

    model_config = ConfigDict(frozen=True)

    accepted: bool
    reason: MailReason | None = None
    detail: str = ""

    @property
    def message_fr(self) -> str | None:
        return reason_message(self.reason) if self.reason else None


def _normalise_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    try:
        # Compare IDN domains in one form whichever the sender's software used.
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def organisational_domain(domain: str) -> str:
    """The registrable domain: one label under the public suffix (relaxed DMARC alignment)."""
    labels = [label for label in _normalise_domain(domain).split(".") if label]
    if len(labels) <= 2:
        return ".".join(labels)
    last_two = ".".join(labels[-2:])
    two_level_suffix = (len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL_SUFFIX_LABELS) or (
        last_two in _EXTRA_PUBLIC_SUFFIXES
    )
    return ".".join(labels[-3:] if two_level_suffix else labels[-2:])


def domains_aligned(a: str, b: str) -> bool:
    """Relaxed alignment: same organisational domain (mail.formation.fr ~ formation.fr)."""
    return organisational_domain(a) == organisational_domain(b)


def _quarantine(reason: MailReason, detail: str) -> TrustVerdict:
    return TrustVerdict(accepted=False, reason=reason, detail=detail)


def assess_trust(msg: InboundMessage, evaluator_email: str | None) -> TrustVerdict:
    """Accept only a clean, DMARC-authenticated message from the evaluator's domain.

    The checks run from the most dangerous outcome to the least, so the reason given is the one
    that matters most (a virus is reported as a virus even if DMARC also failed).
    """
    if msg.virus_verdict == "FAIL":
        return _quarantine(MailReason.MAIL_VIRUS, "virus verdict FAIL")
    if msg.virus_verdict != "PASS":
        return _quarantine(MailReason.MAIL_NOT_SCANNED, f"virus verdict {msg.virus_verdict or 'missing'}")
    if msg.spam_verdict == "FAIL":
        return _quarantine(MailReason.MAIL_SPAM, "spam verdict FAIL")
    if msg.dmarc != "pass":
        return _quarantine(MailReason.MAIL_NOT_AUTHENTICATED, f"dmarc={msg.dmarc}")
    if not msg.dmarc_header_from or not msg.from_domain or not msg.from_address:
        return _quarantine(
            MailReason.MAIL_NOT_AUTHENTICATED, "no single From address or no DMARC header.from"
        )
    if _normalise_domain(msg.dmarc_header_from) != _normalise_domain(msg.from_domain):
        # DMARC vouched for a different From than the one we read: never trust the mismatch.
        return _quarantine(
            MailReason.MAIL_NOT_AUTHENTICATED, "DMARC header.from differs from the From header"
        )
    if not evaluator_email or "@" not in evaluator_email:
        return _quarantine(
            MailReason.MAIL_SENDER_NOT_EVALUATOR, "no evaluator e-mail registered for the case"
        )
    evaluator_domain = _normalise_domain(evaluator_email.rpartition("@")[2])
    if evaluator_domain in FREEMAIL_DOMAINS:
        if msg.from_address.lower() != evaluator_email.strip().lower():
            return _quarantine(
                MailReason.MAIL_SENDER_NOT_EVALUATOR, "evaluator uses a shared mail provider; address differs"
            )
        return TrustVerdict(accepted=True)
    if not domains_aligned(msg.dmarc_header_from, evaluator_domain):
        return _quarantine(
            MailReason.MAIL_SENDER_NOT_EVALUATOR, "sender domain not aligned with the evaluator's"
        )
    return TrustVerdict(accepted=True)
