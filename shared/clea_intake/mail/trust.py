"""Deciding whether an inbound claim e-mail really comes from the case's evaluator, or goes to quarantine."""

from __future__ import annotations

import functools
from collections.abc import Collection

from publicsuffixlist import PublicSuffixList
from pydantic import BaseModel, ConfigDict

from clea_intake.mail.parse import InboundMessage
from clea_intake.mail.reasons import MailReason, reason_message


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


@functools.cache
def _suffixes() -> PublicSuffixList:
    # The list ships inside the package (publicsuffixlist's data file): no network at run time.
    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """The registrable domain (one label under its public suffix, ICANN or private, as the Public Suffix
    List says): mail.formation.fr → formation.fr; two sites under github.io stay two organisations."""
    normalised = _normalise_domain(domain)
    return _suffixes().privatesuffix(normalised) or normalised


def domains_aligned(a: str, b: str) -> bool:
    """Relaxed alignment: same organisational domain (mail.formation.fr ~ formation.fr)."""
    return organisational_domain(a) == organisational_domain(b)


def normalise_address(address: str) -> str:
    """An address as compared with the registered ones: trimmed, lower case, its domain in IDNA form."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local.lower()}@{_normalise_domain(domain)}" if local else address.strip().lower()


def _quarantine(reason: MailReason, detail: str) -> TrustVerdict:
    return TrustVerdict(accepted=False, reason=reason, detail=detail)


def assess_trust(msg: InboundMessage, registered: Collection[str]) -> TrustVerdict:
    """Accept only a clean message from an address registered for the evaluator, DMARC passing for it.

    `registered`: the addresses of the evaluator's record (its application forms' e-mail and those the
    Région added). Another mailbox of the same organisation, or of a shared mail provider, is no
    evidence of who writes: it is quarantined for a person, never trusted to claim a payment.
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
    addresses = {normalise_address(a) for a in registered if a and "@" in a}
    if not addresses:
        return _quarantine(MailReason.MAIL_SENDER_NOT_EVALUATOR, "no address registered for the evaluator")
    if normalise_address(msg.from_address) in addresses:
        return TrustVerdict(accepted=True)
    sender_organisation = organisational_domain(msg.from_domain)
    if any(organisational_domain(a.rpartition("@")[2]) == sender_organisation for a in addresses):
        return _quarantine(MailReason.MAIL_SENDER_NOT_REGISTERED,
                           "another mailbox of a registered address's domain")
    return _quarantine(MailReason.MAIL_SENDER_NOT_EVALUATOR, "sender is not a registered address")
