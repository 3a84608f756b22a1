"""Lambda task: send the decision letters and e-mails (award and arrêté, or refusal)."""

from clea_intake import clock
from clea_intake.domain.records import MailRecord
from clea_intake.letters.models import NoticeContext, OutgoingEmail
from clea_intake.runtime import CASE_MODELS, TaskInput, logger, metrics, ports, prepare
from clea_intake.services.cases import send_decision

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS, MailRecord, NoticeContext, OutgoingEmail)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    task = TaskInput.model_validate(event)
    logger.thread_safe_append_keys(case_id=task.case_id)
    return {"case_id": task.case_id, "outcome": send_decision(ports(), task.case_id, clock.now())}
