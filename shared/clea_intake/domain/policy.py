"""The versioned policy of the scheme: every amount, delay and list, validated at load."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Certification = Literal["clea_socle", "clea_numerique"]
EvaluationType = Literal["initial", "final"]


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class AidAmounts(_Frozen):
    initial: Decimal = Field(gt=0)
    final: Decimal = Field(gt=0)


class DetentionFacility(_Frozen):
    name: str
    postal_code: str = Field(pattern=r"^\d{5}$")
    # Other names people write for the establishment ("Gradignan", "Île de Ré"): each names it alone.
    aliases: tuple[str, ...] = ()


class Region(_Frozen):
    name: str
    departments: frozenset[str]
    detention_facilities: tuple[DetentionFacility, ...] = ()

    @field_validator("departments")
    @classmethod
    def _two_digits(cls, value: frozenset[str]) -> frozenset[str]:
        bad = [d for d in value if not (len(d) == 2 and d.isdigit())]
        if bad:
            raise ValueError(f"department codes must have two digits: {sorted(bad)}")
        return value


class Deadlines(_Frozen):
    complete_days_before_evaluation: int = Field(ge=0)
    proof_max_age_months: int = Field(ge=1)
    rib_max_age_months: int = Field(ge=1)
    claim_months_after_evaluation_end: int = Field(ge=1)
    incomplete_notice_min_interval_hours: int = Field(ge=0)


class IdentityRules(_Frozen):
    cni_extension_issued_from: date
    cni_extension_issued_until: date
    cni_extension_years: int = Field(ge=0)
    cni_validity_years: int = Field(ge=1)
    # An adult's card issued from this day on is printed valid this many years (décret n° 2013-1188).
    cni_adult_validity_issued_from: date = date(2014, 1, 1)
    cni_adult_validity_years: int = Field(default=15, ge=1)
    free_movement_nationalities: frozenset[str]


class DocumentLimits(_Frozen):
    review_confidence_below: float = Field(ge=0, le=1)
    max_file_bytes: int = Field(gt=0)
    max_pages: int = Field(gt=0)
    max_image_pixels: int = Field(gt=0)
    ocr_language: str
    # Structure limits of a PDF, checked on every object of the file before pdfium draws a page.
    max_inflated_bytes: int = Field(default=256_000_000, gt=0)
    # The inflated streams may exceed this many times the file's size only under `inflate_floor_bytes`.
    max_inflate_ratio: int = Field(default=200, gt=0)
    inflate_floor_bytes: int = Field(default=64_000_000, gt=0)
    max_operators_per_page: int = Field(default=200_000, gt=0)


class SandboxLimits(_Frozen):
    """The child process that reads one file: its address space, CPU time and wall-clock budget."""

    enabled: bool = True
    max_memory_mb: int = Field(default=512, gt=64)
    max_cpu_seconds: int = Field(default=45, gt=0)
    max_wall_seconds: float = Field(default=100.0, gt=0)


class FormLimits(_Frozen):
    """Bounds of application.json, checked before and after parsing: a form is a few hundred bytes."""

    max_bytes: int = Field(gt=0)
    max_depth: int = Field(gt=0)
    max_evaluation_days: int = Field(gt=0)
    oldest_birth_year: int = Field(gt=1800)


class ClaimLimits(_Frozen):
    max_attachments: int = Field(gt=0)
    max_attachment_bytes: int = Field(gt=0)
    max_message_bytes: int = Field(gt=0)


class MailLimits(_Frozen):
    """Bounds of an inbound e-mail's structure, checked on its raw bytes before the MIME parser runs:
    past them the parser's cost grows far faster than the message (encoded words, nesting)."""

    max_header_bytes: int = Field(gt=0)
    max_field_bytes: int = Field(gt=0)
    max_parsed_header_bytes: int = Field(gt=0)
    max_parameters: int = Field(gt=0)
    max_encoded_words: int = Field(gt=0)
    max_parts: int = Field(gt=0)
    max_depth: int = Field(gt=0)
    max_decoded_bytes: int = Field(gt=0)
    max_lines: int = Field(gt=0)


class Retention(_Frozen):
    """Days after the case's final state (lifecycle.FINAL_STATES) before its personal data expires, per kind."""

    identity_scans_days: int = Field(ge=1)
    bank_details_days: int = Field(ge=1)
    raw_mail_days: int = Field(ge=1)
    other_pieces_days: int = Field(ge=1)
    # DynamoDB items with personal fields (mails, reviews, form errors, inbound marks, the applicant block).
    records_days: int = Field(ge=1)

    @property
    def shortest_days(self) -> int:
        return min(self.identity_scans_days, self.bank_details_days, self.raw_mail_days, self.other_pieces_days,
                   self.records_days)

    @property
    def longest_days(self) -> int:
        return max(self.identity_scans_days, self.bank_details_days, self.raw_mail_days, self.other_pieces_days,
                   self.records_days)


class RegisterRules(_Frozen):
    """The public registers the evaluator checks read (DGEFP list, Sirene)."""

    # The codeRegion of the region in the DGEFP list (INSEE region code).
    region_code: str = Field(pattern=r"^\d{2}$")
    # A register copy older than this many days raises the RegisterStale alarm and a dashboard warning.
    max_age_days: int = Field(ge=1)


class Policy(_Frozen):
    version: str
    valid_from: date
    valid_until: date
    timezone: str
    aid_eur: dict[Certification, AidAmounts]
    region: Region
    deadlines: Deadlines
    identity: IdentityRules
    documents: DocumentLimits
    forms: FormLimits
    claims: ClaimLimits
    mail: MailLimits
    retention: Retention
    sandbox: SandboxLimits = SandboxLimits()
    registers: RegisterRules

    @model_validator(mode="after")
    def _coherent(self) -> Policy:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        missing = {"clea_socle", "clea_numerique"} - set(self.aid_eur)
        if missing:
            raise ValueError(f"aid amounts missing for {sorted(missing)}")
        zoneinfo.ZoneInfo(self.timezone)
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def aid_for(self, certification: Certification, evaluation: EvaluationType) -> Decimal:
        return getattr(self.aid_eur[certification], evaluation)

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def department_of(self, postal_code: str | None) -> str | None:
        code = (postal_code or "").strip().replace(" ", "")
        if len(code) != 5 or not code.isdigit():
            return None
        return code[:2]

    def in_region(self, postal_code: str | None) -> bool:
        return self.department_of(postal_code) in self.region.departments


class PolicyNotFound(LookupError):
    """No policy file covers the requested date."""


def _policy_files() -> list[Path]:
    folder = resources.files("clea_intake") / "policy"
    return sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml"))


# libyaml's parser under the same safe constructor: a tenth of the pure-Python loader's 22 ms for the policy, on
# every cold start's first call (PyYAML's wheels carry it; the pure one stays for an install without it).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_policy_file(path: Path) -> Policy:
    with open(path, encoding="utf-8") as handle:
        return Policy.model_validate(yaml.load(handle, Loader=_SAFE_LOADER))  # noqa: S506 - a safe loader


@functools.cache
def all_policies() -> tuple[Policy, ...]:
    return tuple(load_policy_file(p) for p in _policy_files())


def policy_for(day: date) -> Policy:
    """The policy in force on `day` (the evaluation start of a case)."""
    for policy in all_policies():
        if policy.applies_on(day):
            return policy
    raise PolicyNotFound(f"no policy covers {day.isoformat()}")


def current_policy() -> Policy:
    """The latest policy; used where no case date is known yet (e.g. classifying a loose file)."""
    return max(all_policies(), key=lambda p: p.valid_until)
