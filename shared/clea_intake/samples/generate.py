"""Make one realistic French sample document of a given type, layout and medium, deterministically by seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from clea_intake.domain.findings import DocType
from clea_intake.samples import scan
from clea_intake.samples.facts import complete_facts, label_fields
from clea_intake.samples.sheet import Sheet
from clea_intake.samples.templates import address, claim, evaluator, identity, other

Medium = Literal["pdf", "scan_pdf", "jpeg", "png"]
MEDIA: tuple[Medium, ...] = ("pdf", "scan_pdf", "jpeg", "png")
EXTENSIONS: dict[str, str] = {"pdf": "pdf", "scan_pdf": "pdf", "jpeg": "jpg", "png": "png"}
Renderer = Callable[[dict, int, random.Random], Sheet]

RENDERERS: dict[DocType, Renderer] = {
    DocType.IDENTITY_CARD: lambda f, layout, rng: identity.render_identity(f, layout, rng, "cni"),
    DocType.PASSPORT: lambda f, layout, rng: identity.render_identity(f, layout, rng, "passport"),
    DocType.RESIDENCE_PERMIT: lambda f, layout, rng: identity.render_identity(f, layout, rng, "permit"),
    DocType.PROOF_OF_ADDRESS: address.render_proof,
    DocType.QUOTE: evaluator.quote,
    DocType.QUALIOPI_CERTIFICATE: evaluator.qualiopi,
    DocType.CLEA_HABILITATION: evaluator.habilitation,
    DocType.DISP_LIAISON: other.disp_liaison,
    DocType.EXECUTION_REPORT: claim.execution_report,
    DocType.HOURS_ATTESTATION: claim.hours_attestation,
    DocType.BANK_DETAILS: claim.bank_details,
    DocType.UNKNOWN: other.unknown,
}
# How many visibly different layouts each type has; `layout` is taken modulo this.
LAYOUTS: dict[DocType, int] = {t: 3 for t in DocType}


@dataclass(frozen=True)
class Rendered:
    """A document's bytes and what it shows (the completed facts and the DESIGN §5 label fields)."""

    data: bytes
    facts: dict
    fields: dict
    doc_type: DocType
    layout: int
    medium: Medium


def render(doc_type: DocType | str, facts: dict | None = None, *, layout: int = 0, medium: Medium = "pdf",
           seed: int = 0) -> Rendered:
    doc_type = DocType(doc_type)
    if medium not in MEDIA:
        raise ValueError(f"unknown medium {medium!r}; expected one of {MEDIA}")
    done = complete_facts(doc_type, facts, seed=seed)
    layout = layout % LAYOUTS[doc_type]
    drawing_rng = random.Random(f"draw/{doc_type.value}/{seed}/{layout}")
    pdf = RENDERERS[doc_type](done, layout, drawing_rng).output()
    media_rng = random.Random(f"medium/{doc_type.value}/{seed}/{layout}/{medium}")
    if medium == "scan_pdf":
        data = scan.scanned_pdf(pdf, media_rng)
    elif medium == "jpeg":
        data = scan.photo_jpeg(pdf, media_rng)
    elif medium == "png":
        data = scan.scan_png(pdf, media_rng)
    else:
        data = pdf
    return Rendered(data, done, label_fields(doc_type, done), doc_type, layout, medium)


def make_document(doc_type: DocType, facts: dict, *, layout: int = 0,
                  medium: Literal["pdf", "scan_pdf", "jpeg", "png"] = "pdf", seed: int = 0) -> bytes:
    """The bytes of one document showing `facts` (missing ones get seeded realistic defaults).

    `facts` uses DESIGN §5 field names (dates as ISO strings or dates), plus per-type extras such as
    `cni_format` ("2021" | "legacy"), `proof_kind`, `as_of` (the reference day for defaults) and
    `corrupt_check_digit` (MRZ, SIRET or IBAN check digit made wrong on purpose).
    """
    return render(doc_type, facts, layout=layout, medium=medium, seed=seed).data


def combined(pdfs: list[bytes]) -> bytes:
    """One PDF holding the pages of `pdfs` in order: pieces scanned or generated together, as applicants
    often send them."""
    import io

    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    try:
        for data in pdfs:
            source = pdfium.PdfDocument(data)
            try:
                out.import_pages(source)
            finally:
                source.close()
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
