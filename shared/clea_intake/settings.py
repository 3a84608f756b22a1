"""The environment of a function, validated once at cold start."""

from __future__ import annotations

import functools
import os

from pydantic import AliasChoices, BaseModel, Field

# The test value of local stacks and tests; a deployed function reads the Région's from SSM.
DEVELOPMENT_DEBTOR_IBAN = "FR7630001007941234567890185"


class Settings(BaseModel):
    table_name: str = Field(min_length=1)
    bucket_name: str = Field(min_length=1)
    state_machine_arn: str = ""
    mail_from: str = "ne-pas-repondre@clea.nouvelle-aquitaine.fr"
    claims_address: str = "claims@clea.nouvelle-aquitaine.fr"
    ops_address: str = "operations-clea@nouvelle-aquitaine.fr"
    ocr_provider: str = Field(default="tesseract", pattern="^(tesseract|textract)$")
    debtor_name: str = "REGION NOUVELLE-AQUITAINE"
    debtor_bic: str = "BDFEFRPPCCT"
    # Secret-like, so never an environment variable on AWS: DEBTOR_IBAN_PARAMETER names an SSM SecureString,
    # read the first time the IBAN is needed. DEBTOR_IBAN (local stack, tests) gives the value itself.
    debtor_iban_parameter: str = ""
    debtor_iban_value: str | None = Field(default=None, validation_alias=AliasChoices("debtor_iban", "debtor_iban_value"))

    @functools.cached_property
    def debtor_iban(self) -> str:
        if self.debtor_iban_value:
            return self.debtor_iban_value
        if self.debtor_iban_parameter:
            from clea_intake.adapters.parameters import secure_parameter

            return secure_parameter(self.debtor_iban_parameter)
        return DEVELOPMENT_DEBTOR_IBAN
    review_claim_minutes: int = Field(default=30, ge=1, le=24 * 60)   # how long an agent's claim holds


_ENV = {
    "table_name": "TABLE_NAME", "bucket_name": "BUCKET_NAME", "state_machine_arn": "STATE_MACHINE_ARN",
    "mail_from": "MAIL_FROM", "claims_address": "CLAIMS_ADDRESS", "ops_address": "OPS_ADDRESS",
    "ocr_provider": "OCR_PROVIDER", "debtor_name": "DEBTOR_NAME", "debtor_iban": "DEBTOR_IBAN",
    "debtor_bic": "DEBTOR_BIC", "debtor_iban_parameter": "DEBTOR_IBAN_PARAMETER",
    "review_claim_minutes": "REVIEW_CLAIM_MINUTES",
}


@functools.cache
def settings() -> Settings:
    return Settings.model_validate({k: os.environ[v] for k, v in _ENV.items() if v in os.environ})


def reset() -> None:
    settings.cache_clear()
