"""The application form written by the Région's platform (application.json), validated at the edge."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from clea_intake.domain.errors import InvalidApplication
from clea_intake.domain.policy import (
    Certification,
    EvaluationType,
    FormLimits,
    PolicyNotFound,
    current_policy,
    policy_for,
)

# [0-9], not \d: the validator's \d also matches other scripts' digits ("NA-CLEA-٢٠٢٦-…" would pass and
# look like a real case id).
CASE_ID_PATTERN = r"^NA-CLEA-[0-9]{4}-[0-9]{6}$"
Situation = Literal["unemployed", "siae", "detainee", "employed", "other"]
Companion = Literal["evaluator", "cep", "spip"]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timezone offset required")
    return value


# The validation context of an item read back from the table (adapters/repository.py): what it holds was
# validated when it was written.
STORED = {"stored": True}


def is_stored(info: ValidationInfo) -> bool:
    """Whether a validator runs on an item read back from the table (STORED): its checks were made when written."""
    return bool(info.context and info.context.get("stored"))


def _email(value: str, info: ValidationInfo) -> str:
    """pydantic's EmailStr check (email-validator, no DNS lookup), on a form; not again on a stored item. The
    library is imported at the first address checked: its Unicode patterns cost about 50 ms to compile, at every
    cold start of the functions that only read stored cases."""
    if is_stored(info):
        return value
    from pydantic.networks import validate_email

    return validate_email(value)[1]


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]


class _Form(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True, str_strip_whitespace=True)


class Address(_Form):
    line1: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(pattern=r"^[0-9]{5}$")
    city: str = Field(min_length=1, max_length=100)


class Applicant(_Form):
    surname: str = Field(min_length=1, max_length=100)
    given_names: str = Field(min_length=1, max_length=150)
    birth_date: date
    email: Email
    phone: str | None = Field(default=None, max_length=30)
    address: Address
    nationality: str = Field(pattern=r"^[A-Z]{2}$")
    situation: Situation
    france_travail_registered: bool = False
    funded_by_transition_pro_or_branch: bool
    # Validated even when absent, so that the error names this field rather than the whole applicant.
    detention_facility: str | None = Field(default=None, validate_default=True)

    @field_validator("detention_facility")
    @classmethod
    def _detainee_has_facility(cls, value: str | None, info: Any) -> str | None:
        if info.data.get("situation") == "detainee" and not value:
            raise ValueError("detention_facility is required when situation is detainee")
        return value


def _siret(value: str, info: ValidationInfo) -> str:
    """The SIRET's check (python-stdnum: 14 digits, Luhn, La Poste's exception), on a form; not again on a stored
    item. python-stdnum is imported at the first form checked: it imports `pydoc`, whose patterns cost about
    30 ms at every cold start of the functions that only read stored cases."""
    if is_stored(info):
        return value
    from stdnum.fr import siret as stdnum_siret

    compact = stdnum_siret.compact(value)
    if not compact.isascii() or not stdnum_siret.is_valid(compact):
        raise ValueError("invalid SIRET (14 digits, Luhn check)")
    return compact


class Evaluator(_Form):
    name: str = Field(min_length=1, max_length=200)
    siret: Annotated[str, AfterValidator(_siret)]
    nda: str = Field(pattern=r"^[0-9]{11}$")
    postal_code: str = Field(pattern=r"^[0-9]{5}$")
    email: Email


def _ascii_number(value: Any) -> Any:
    # Decimal("١٠") is 10: a number written in another script's digits is no number of the platform's.
    if isinstance(value, str) and not value.strip().isascii():
        raise ValueError("digits other than 0-9")
    return value


class Quote(_Form):
    # Hours and euros to two decimals at most: "1e-999999" is above 0, and written out in a letter it
    # was a million characters.
    hours: Annotated[Decimal, BeforeValidator(_ascii_number)] = Field(gt=0, le=200, decimal_places=2)
    amount_eur: Annotated[Decimal, BeforeValidator(_ascii_number)] = Field(ge=0, le=100000, decimal_places=2)


class Application(_Form):
    case_id: str = Field(pattern=CASE_ID_PATTERN)
    submitted_at: Annotated[datetime, AfterValidator(_aware)]
    certification: Certification
    evaluation: EvaluationType
    evaluation_start: date
    evaluation_end: date
    applicant: Applicant
    accompanied_by: Companion | None = None
    evaluator: Evaluator
    quote: Quote

    @field_validator("evaluation_end")
    @classmethod
    def _end_after_start(cls, value: date, info: Any) -> date:
        start = info.data.get("evaluation_start")
        if start is not None and value < start:
            raise ValueError("evaluation_end is before evaluation_start")
        return value

    @property
    def year(self) -> int:
        return self.evaluation_start.year


class RetainedApplication(_Form):
    """What a case keeps of its form once its personal data expired (README, "Personal data expires"): the
    scheme's facts and the evaluator (an organisation, the payment's counterpart), no applicant block."""

    case_id: str = Field(pattern=CASE_ID_PATTERN)
    submitted_at: Annotated[datetime, AfterValidator(_aware)]
    certification: Certification
    evaluation: EvaluationType
    evaluation_start: date
    evaluation_end: date
    applicant: None = None
    accompanied_by: Companion | None = None
    evaluator: Evaluator
    quote: Quote

    @property
    def year(self) -> int:
        return self.evaluation_start.year

    @classmethod
    def of(cls, app: Application | RetainedApplication) -> RetainedApplication:
        return cls.model_validate(app.model_dump(exclude={"applicant"}))


# French sentences for the validation errors a form can carry, by pydantic error type.
_FR_BY_TYPE = {
    "missing": "ce champ est obligatoire",
    "string_pattern_mismatch": "le format n'est pas celui attendu",
    "string_too_short": "ce champ ne peut pas être vide",
    "string_too_long": "ce champ est trop long",
    "literal_error": "la valeur n'est pas une des valeurs autorisées",
    "date_from_datetime_parsing": "la date n'est pas au format AAAA-MM-JJ",
    "date_parsing": "la date n'est pas au format AAAA-MM-JJ",
    "date_type": "la date n'est pas au format AAAA-MM-JJ",
    "datetime_parsing": "la date et l'heure ne sont pas au format ISO 8601",
    "datetime_from_date_parsing": "la date et l'heure ne sont pas au format ISO 8601",
    "datetime_type": "la date et l'heure ne sont pas au format ISO 8601",
    "bool_parsing": "la valeur doit être vrai ou faux",
    "bool_type": "la valeur doit être vrai ou faux",
    "decimal_parsing": "la valeur doit être un nombre",
    "decimal_type": "la valeur doit être un nombre",
    "greater_than": "la valeur doit être positive",
    "greater_than_equal": "la valeur ne peut pas être négative",
    "less_than_equal": "la valeur est trop grande",
    "value_error": "la valeur n'est pas valide",
    "model_type": "un objet est attendu",
    "dict_type": "un objet est attendu",
    "string_type": "un texte est attendu",
}
_FR_BY_MESSAGE = {
    "invalid SIRET": "le numéro SIRET n'est pas valide (14 chiffres, clé de contrôle)",
    "timezone offset required": "la date et l'heure doivent indiquer le fuseau horaire",
    "evaluation_end is before": "la fin de l'évaluation précède son début",
    "detention_facility is required": "l'établissement pénitentiaire est obligatoire pour une personne détenue",
    "email address": "l'adresse électronique n'est pas valide",
    "digits other than 0-9": "la valeur doit être écrite avec les chiffres 0 à 9",
}


def _problem(error: dict) -> dict:
    field = ".".join(str(part) for part in error["loc"]) or "(formulaire)"
    english = error["msg"]
    french = _FR_BY_TYPE.get(error["type"], "la valeur n'est pas valide")
    for needle, sentence in _FR_BY_MESSAGE.items():
        if needle in english:
            french = sentence
            break
    return {"field": field, "code": error["type"], "message_en": english, "message_fr": french}


def _invalid(field: str, code: str, english: str, french: str) -> InvalidApplication:
    return InvalidApplication([{"field": field, "code": code, "message_en": english, "message_fr": french}])


# A JSON string (with its escapes) and the brackets outside strings: enough to measure nesting without
# building anything, before the standard-library parser (which recurses) sees the text.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _decode(raw: bytes | str, limits: FormLimits) -> dict:
    # A text form is measured as its UTF-8 bytes; a lone surrogate (no UTF-8 text can hold one) counts
    # as what it would take and is refused below as not UTF-8.
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > limits.max_bytes:
        raise _invalid("(fichier)", "form_too_large", f"the form has {size} bytes, more than {limits.max_bytes}",
                       f"le fichier du formulaire est trop volumineux (plus de {limits.max_bytes // 1024} Ko)")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw.encode("utf-8").decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise _invalid("(fichier)", "invalid_json", "not UTF-8 text",
                       "le fichier n'est pas un JSON valide en UTF-8") from exc
    if _nesting(text) > limits.max_depth:
        raise _invalid("(fichier)", "form_too_deep", f"objects nested deeper than {limits.max_depth} levels",
                       "le formulaire contient des objets imbriqués trop profondément")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise _invalid("(fichier)", "invalid_json", f"not valid JSON: {type(exc).__name__}",
                       "le fichier n'est pas un JSON valide") from exc
    if not isinstance(data, dict):
        raise _invalid("(fichier)", "invalid_json", "a JSON object is expected", "un objet JSON est attendu")
    return data


def _check_dates(app: Application, limits: FormLimits) -> None:
    """Dates the schema accepts but the scheme cannot: no policy for them, or no plausible person or
    evaluation. Each would fail later, far from the form (a deadline beyond the calendar, a case that
    waits forever), so the form is refused here with the field named."""
    try:
        policy = policy_for(app.evaluation_start)
    except PolicyNotFound as exc:
        raise _invalid("evaluation_start", "no_policy", "no policy of the scheme covers this evaluation start",
                       "aucune règle du dispositif ne s'applique à cette date de début d'évaluation") from exc
    if (app.evaluation_end - app.evaluation_start).days > limits.max_evaluation_days:
        raise _invalid("evaluation_end", "evaluation_too_long",
                       f"the evaluation lasts more than {limits.max_evaluation_days} days",
                       "la date de fin de l'évaluation est trop éloignée de sa date de début")
    birth = app.applicant.birth_date
    if birth.year < limits.oldest_birth_year or birth >= app.evaluation_start:
        raise _invalid("applicant.birth_date", "implausible_date", "the birth date is not plausible",
                       "la date de naissance n'est pas plausible")
    submitted = app.submitted_at.date()
    if not (policy.valid_from.replace(year=policy.valid_from.year - 1) <= submitted
            <= policy.valid_until.replace(year=policy.valid_until.year + 1)):
        raise _invalid("submitted_at", "implausible_date", "the submission date is outside the scheme's years",
                       "la date de dépôt n'est pas plausible")


def parse_application(raw: bytes | str) -> Application:
    """Parse and validate application.json; raise InvalidApplication naming each bad field.

    Nothing else escapes: size and nesting are checked before the JSON parser runs, dates against the
    policy after the schema, so that every bad form becomes a recorded error, never a crash.
    """
    limits = current_policy().forms
    data = _decode(raw, limits)
    try:
        app = Application.model_validate(data)
    except ValidationError as exc:
        raise InvalidApplication([_problem(e) for e in exc.errors()]) from exc
    _check_dates(app, limits)
    return app


def case_id_of(data: Any) -> str | None:
    """The case id of a form, if it has a well-formed one, even when the rest is invalid."""
    if isinstance(data, dict) and isinstance(data.get("case_id"), str):
        if re.match(CASE_ID_PATTERN, data["case_id"]):
            return data["case_id"]
    return None
