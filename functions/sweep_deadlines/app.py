"""Lambda (scheduled): refuse files not complete in time, lapse unclaimed awards and let go of expired
personal data (tags and expires_at), as of now."""

from clea_intake import clock
from clea_intake.runtime import CASE_MODELS, TimeBudget, logger, metrics, ports, prepare
from clea_intake.services.sweeper import sweep

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    # A case is begun only while the rest of the run could finish it; the cases left wait for the next run.
    report = sweep(ports(), clock.now(), has_time=TimeBudget(context).has_time)
    return {"refused": len(report.refused), "lapsed": len(report.lapsed),
            "personal_data_expired": len(report.retention.expired), "unfinished": report.unfinished}
