"""Lambda (scheduled): refuse files not complete in time, lapse unclaimed awards and let go of expired
personal data (tags and expires_at), as of now."""

from clea_intake import clock
from clea_intake.runtime import CASE_MODELS, logger, metrics, ports, prepare
from clea_intake.services.sweeper import sweep

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    report = sweep(ports(), clock.now())
    return {"refused": len(report.refused), "lapsed": len(report.lapsed),
            "personal_data_expired": len(report.retention.expired)}
