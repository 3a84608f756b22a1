"""Lambda task (waitForTaskToken): park the case's execution until its completeness, claim or payment is settled."""

from clea_intake import clock
from clea_intake.runtime import CASE_MODELS, TaskInput, logger, metrics, ports, prepare
from clea_intake.services.flow import await_step
from clea_intake.services.review import open_execution_failure

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    task = TaskInput.model_validate(event)
    logger.thread_safe_append_keys(case_id=task.case_id, step=task.step)
    if task.step == "failed":
        # The state machine's catch-all: the case is shown in the review queue before the execution fails.
        open_execution_failure(ports(), task.case_id, task.error, clock.now())
        return {"case_id": task.case_id, "failed": task.error}
    await_step(ports(), task.case_id, task.step, task.token, clock.now())
    return {"case_id": task.case_id, "waiting": task.step}
