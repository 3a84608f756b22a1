"""The PDF letters: `layout` holds the Région's page and its blocks, `documents` the letters built of them."""

from clea_intake.letters.pdf.documents import (
    arrete_attributif_pdf,
    cre_form_pdf,
    decision_letter_pdf,
    hours_attestation_pdf,
)

__all__ = ["arrete_attributif_pdf", "cre_form_pdf", "decision_letter_pdf", "hours_attestation_pdf"]
