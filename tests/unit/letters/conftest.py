"""Shared builders for the letters tests: one realistic case, varied per test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest

from clea_intake.letters.models import MissingPiece, NoticeContext, Reason

REFERENCE = "NA-CLEA-2026-000123"
APPLICANT_EMAIL = "lea.martin@example.fr"
EVALUATOR_EMAIL = "contact@formation-atlantique.fr"


def make_context(**overrides: Any) -> NoticeContext:
    values: dict[str, Any] = {
        "case_id": REFERENCE,
        "applicant_name": "Léa Marie Martin",
        "applicant_email": APPLICANT_EMAIL,
        "evaluator_name": "Formation Atlantique",
        "evaluator_email": EVALUATOR_EMAIL,
        "evaluator_address": "12 quai des Chartrons\n33000 Bordeaux",
        "certification": "clea_socle",
        "evaluation": "initial",
        "evaluation_start": date(2026, 4, 13),
        "evaluation_end": date(2026, 4, 24),
        "sent_on": date(2026, 3, 2),
        "amount_eur": Decimal("450"),
        "reasons": [
            Reason(code="NOT_RESIDENT", message="Votre adresse est située hors de la région (Paris)."),
            Reason(code="LATE_COMPLETION", message="Votre dossier n'était pas complet à temps."),
        ],
        "missing": [
            MissingPiece(piece="Justificatif de domicile", message="Il date de plus de 3 mois."),
            MissingPiece(piece="Pièce d'identité", message="Elle a expiré le 1er janvier 2026."),
        ],
        "requested_document": "Attestation d'inscription à France Travail",
        "note": "Demande de retrait de l'intéressée du 1er mars 2026",
        "policy_version": "clea-na-2024-2028-v1",
        "claim_deadline": date(2026, 10, 24),
        "hours": 10,
    }
    values.update(overrides)
    return NoticeContext(**values)


def pdf_text(data: bytes) -> str:
    """Every page's text as pypdfium2 extracts it, joined."""
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def pdf_pages(data: bytes) -> int:
    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


@pytest.fixture
def context() -> Callable[..., NoticeContext]:
    return make_context


@pytest.fixture
def extract_text() -> Callable[[bytes], str]:
    return pdf_text


@pytest.fixture
def count_pages() -> Callable[[bytes], int]:
    return pdf_pages
