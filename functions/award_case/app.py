"""Lambda task: record the award and its uniqueness guard in one transaction."""

from clea_intake import clock
from clea_intake.runtime import TaskInput, logger, metrics, ports
from clea_intake.services.flow import Ask, advance


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    task = TaskInput.model_validate(event)
    logger.thread_safe_append_keys(case_id=task.case_id)
    return {"case_id": task.case_id, "outcome": advance(ports(), task.case_id, clock.now(), asked=Ask.AWARD)}
