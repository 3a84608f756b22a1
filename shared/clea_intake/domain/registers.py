"""The state's public registers, as far as the checks need them: the training-organisation list (DGEFP)
and the Sirene establishments (INSEE). What each row keeps, how a file's header is recognised, and what
a register says of an evaluator."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

RegisterKind = Literal["organismes-formation", "sirene"]


class RegisterFormat(BaseModel):
    """The columns a register file must have (by name, in any order) and the ones each row keeps."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: RegisterKind
    delimiter: str
    columns: dict[str, str]          # our field -> the register's column name

    def locate(self, header: list[str]) -> dict[str, int]:
        """Our field -> the column's position; RegisterHeaderMismatch naming what is missing."""
        positions = {name.strip().lstrip("\ufeff"): n for n, name in enumerate(header)}
        missing = [column for column in self.columns.values() if column not in positions]
        if missing:
            raise RegisterHeaderMismatch(self.kind, missing, list(positions))
        return {field: positions[column] for field, column in self.columns.items()}


class RegisterHeaderMismatch(ValueError):
    """The file's header is not the register's: it names the columns expected and not found."""

    def __init__(self, kind: str, missing: list[str], found: list[str]):
        super().__init__(f"{kind}: the header lacks the columns {', '.join(missing)} "
                         f"(found {len(found)} columns: {', '.join(found[:8])}{'…' if len(found) > 8 else ''})")
        self.missing = missing


# "Liste publique des organismes de formation" (DGEFP, data.gouv.fr), semicolon-separated.
TRAINING_ORGANISATIONS = RegisterFormat(kind="organismes-formation", delimiter=";", columns={
    "nda": "numeroDeclarationActivite",
    "siren": "siren",
    "siret": "siretEtablissementDeclarant",
    "postal_code": "adressePhysiqueOrganismeFormation.codePostal",
    "region_code": "adressePhysiqueOrganismeFormation.codeRegion",
    "qualiopi_training": "certifications.actionsDeFormation",
    "qualiopi_skills_review": "certifications.bilansDeCompetences",
    "qualiopi_vae": "certifications.VAE",
    "qualiopi_apprenticeship": "certifications.actionsDeFormationParApprentissage",
    "last_declaration": "informationsDeclarees.dateDerniereDeclaration",
})
# INSEE Sirene, StockEtablissement (comma-separated).
SIRENE_ESTABLISHMENTS = RegisterFormat(kind="sirene", delimiter=",", columns={
    "siret": "siret",
    "state": "etatAdministratifEtablissement",
    "postal_code": "codePostalEtablissement",
})
FORMATS: dict[str, RegisterFormat] = {f.kind: f for f in (TRAINING_ORGANISATIONS, SIRENE_ESTABLISHMENTS)}


def _flag(value: str) -> bool:
    return value.strip().lower() in {"true", "vrai", "oui", "1", "yes"}


def _day(value: str) -> date | None:
    text = value.strip()[:10]
    for parse in (date.fromisoformat, lambda t: date(int(t[6:10]), int(t[3:5]), int(t[0:2]))):
        try:
            return parse(text)
        except (ValueError, IndexError):
            continue
    return None


class TrainingOrganisation(BaseModel):
    """One declared training organisation: its NDA, who declared it, where, and its Qualiopi scopes."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    nda: str
    siren: str
    siret: str
    postal_code: str | None = None
    region_code: str | None = None
    qualiopi_training: bool = False
    qualiopi_skills_review: bool = False
    qualiopi_vae: bool = False
    qualiopi_apprenticeship: bool = False
    last_declaration: date | None = None

    @classmethod
    def from_row(cls, row: dict[str, str]) -> TrainingOrganisation | None:
        nda, siren = row["nda"].strip(), row["siren"].strip()
        if not (nda.isascii() and nda.isdigit() and siren.isascii() and siren.isdigit()):
            return None
        return cls(nda=nda, siren=siren, siret=row["siret"].strip(), postal_code=row["postal_code"].strip() or None,
                   region_code=row["region_code"].strip() or None,
                   qualiopi_training=_flag(row["qualiopi_training"]),
                   qualiopi_skills_review=_flag(row["qualiopi_skills_review"]), qualiopi_vae=_flag(row["qualiopi_vae"]),
                   qualiopi_apprenticeship=_flag(row["qualiopi_apprenticeship"]),
                   last_declaration=_day(row["last_declaration"]))


class Establishment(BaseModel):
    """One Sirene establishment: active (A) or closed (F)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    siret: str
    active: bool
    postal_code: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Establishment | None:
        siret = row["siret"].strip()
        if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
            return None
        return cls(siret=siret, active=row["state"].strip().upper() == "A",
                   postal_code=row["postal_code"].strip() or None)


class RegisterCheck(BaseModel):
    """What a register says against the evaluator's pieces: a stable code, a French sentence, the register
    and the date of the copy that was used. A register can be behind, so each is a question for a person,
    never a refusal on its own: `resolution` is what the person decided (None while the question is open)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    code: str
    message: str
    source: RegisterKind
    register_date: date
    resolution: Literal["confirmed", "dismissed"] | None = None


REGISTER_SENTENCES = {
    "NDA_UNKNOWN": "Le numéro de déclaration d'activité du devis ne figure pas dans la liste publique des "
                   "organismes de formation.",
    "NDA_MISMATCH": "Le numéro de déclaration d'activité du devis appartient à un autre organisme (SIREN "
                    "différent) dans la liste publique des organismes de formation.",
    "REGISTER_NOT_QUALIOPI": "La liste publique des organismes de formation n'indique pas de certification "
                             "Qualiopi pour les actions de formation, alors que le certificat fourni est valide.",
    "REGISTER_NOT_IN_REGION": "Selon la liste publique des organismes de formation, l'organisme n'est pas "
                              "établi en Nouvelle-Aquitaine.",
    "SIRET_CLOSED": "Selon le répertoire Sirene de l'Insee, l'établissement de l'organisme évaluateur est fermé.",
}
# The scheme's rule a finding is about: the refusal reason when a person confirms what the register says.
# A Qualiopi certification is held by a declared training organisation under its NDA: a quote whose NDA is
# unknown or another organisation's shows no certification of the evaluator. A closed establishment is no
# longer established in the region.
REGISTER_RULES = {
    "NDA_UNKNOWN": "EVALUATOR_NOT_QUALIOPI",
    "NDA_MISMATCH": "EVALUATOR_NOT_QUALIOPI",
    "REGISTER_NOT_QUALIOPI": "EVALUATOR_NOT_QUALIOPI",
    "REGISTER_NOT_IN_REGION": "EVALUATOR_NOT_IN_REGION",
    "SIRET_CLOSED": "EVALUATOR_NOT_IN_REGION",
}
# The registers the checks read, in the order the decision lists their dates.
REGISTER_KINDS: tuple[RegisterKind, ...] = ("organismes-formation", "sirene")


class RegisterReading(BaseModel):
    """What the registers said of a case's evaluator when the case was complete: the date of each copy used
    (None: no copy imported, nothing checked against it) and the findings, with a person's resolution."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    dates: dict[str, date | None]
    checks: list[RegisterCheck] = []

    @property
    def consulted(self) -> bool:
        return any(day is not None for day in self.dates.values())

    @property
    def open(self) -> list[RegisterCheck]:
        return [c for c in self.checks if c.resolution is None]

    def upheld(self) -> set[str]:
        """The scheme's rules (refusal codes) a person confirmed a register finding against."""
        return {REGISTER_RULES[c.code] for c in self.checks if c.resolution == "confirmed"}

    def resolved(self, resolutions: dict[str, str | None]) -> RegisterReading:
        """The same reading with each check's resolution (code -> confirmed | dismissed | None)."""
        return self.model_copy(update={"checks": [c.model_copy(update={"resolution": resolutions.get(c.code)})
                                                  for c in self.checks]})

    def unavailable_sentence(self) -> str | None:
        """What the decision says of the registers it could not read (no copy imported)."""
        names = {"organismes-formation": "la liste publique des organismes de formation",
                 "sirene": "le répertoire Sirene"}
        missing = [names[kind] for kind in REGISTER_KINDS if self.dates.get(kind) is None]
        if not missing:
            return None
        return ("Registres publics non consultés, aucune copie importée : " + " et ".join(missing) + ". "
                "Décision prise sur les pièces fournies.")


def check_evaluator(*, nda: str, siret: str, organisation: TrainingOrganisation | None,
                    organisations_date: date | None, establishment: Establishment | None,
                    establishments_date: date | None, certificate_valid: bool, region_code: str,
                    own: TrainingOrganisation | None = None) -> list[RegisterCheck]:
    """The register checks of one case's evaluator; an absent register (no copy imported) checks nothing.

    `organisation` is the DGEFP row of the quote's NDA, `own` the row the evaluator's SIRET declared (found
    even when the quote's NDA is unknown or another's): Qualiopi and region are read from the evaluator's
    own row, never from another organisation's."""
    found: list[RegisterCheck] = []

    def say(code: str, register: RegisterKind, day: date) -> None:
        found.append(RegisterCheck(code=code, message=REGISTER_SENTENCES[code], source=register, register_date=day))

    if organisations_date is not None:
        subject = own
        if organisation is None:
            say("NDA_UNKNOWN", "organismes-formation", organisations_date)
        elif organisation.siren != siret[:9]:
            say("NDA_MISMATCH", "organismes-formation", organisations_date)
        else:
            subject = organisation
        if subject is not None:
            if certificate_valid and not subject.qualiopi_training:
                say("REGISTER_NOT_QUALIOPI", "organismes-formation", organisations_date)
            if subject.region_code and subject.region_code.strip().lstrip("0") != region_code.lstrip("0"):
                say("REGISTER_NOT_IN_REGION", "organismes-formation", organisations_date)
    if establishments_date is not None and establishment is not None and not establishment.active:
        say("SIRET_CLOSED", "sirene", establishments_date)
    return found


class RegisterAge(BaseModel):
    """How old the current copy of a register is against the policy's limit; no copy at all is stale too
    (the checks then read nothing)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: RegisterKind
    register_date: date | None
    age_days: int | None
    max_age_days: int

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > self.max_age_days


def register_ages(dates: dict[str, date | None], *, today: date, max_age_days: int) -> list[RegisterAge]:
    return [RegisterAge(kind=kind, register_date=dates.get(kind), max_age_days=max_age_days,
                        age_days=(today - dates[kind]).days if dates.get(kind) else None)
            for kind in REGISTER_KINDS]
