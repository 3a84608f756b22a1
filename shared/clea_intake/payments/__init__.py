"""Payment orders leaving for finance (CSV, SEPA pain.001) and their confirmations coming back."""

from clea_intake.payments.confirm import InvalidConfirmationFile, parse_confirmation
from clea_intake.payments.export import (
    Debtor,
    InvalidPaymentFile,
    PaymentLine,
    sepa_text,
    to_csv,
    to_pain001,
    validate_pain001,
)

__all__ = [
    "Debtor",
    "InvalidConfirmationFile",
    "InvalidPaymentFile",
    "PaymentLine",
    "parse_confirmation",
    "sepa_text",
    "to_csv",
    "to_pain001",
    "validate_pain001",
]
