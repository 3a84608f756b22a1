"""Lambda task: tell the applicant the application was received."""

from clea_intake import clock
from clea_intake.runtime import TaskInput, logger, metrics, ports
from clea_intake.services.cases import acknowledge


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    task = TaskInput.model_validate(event)
    logger.thread_safe_append_keys(case_id=task.case_id)
    return {"case_id": task.case_id, "outcome": acknowledge(ports(), task.case_id, clock.now())}
