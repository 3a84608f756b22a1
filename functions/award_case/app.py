"""Lambda task: record the award and its uniqueness guard in one transaction."""

from clea_intake import clock
from clea_intake.domain.guard import GuardEntry
from clea_intake.runtime import CASE_MODELS, TaskInput, logger, metrics, ports, prepare
from clea_intake.services.flow import Ask, advance

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS, GuardEntry)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    task = TaskInput.model_validate(event)
    logger.thread_safe_append_keys(case_id=task.case_id)
    return {"case_id": task.case_id, "outcome": advance(ports(), task.case_id, clock.now(), asked=Ask.AWARD)}
