"""Lambda: an application.json landed in S3 — register the case and start its execution."""

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from clea_intake import clock
from clea_intake.domain.application import Application
from clea_intake.domain.policy import current_policy
from clea_intake.runtime import CASE_MODELS, logger, metrics, ports, prepare, process_batch, s3_object_of
from clea_intake.services.cases import is_form_key, register_application

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS, Application)


def record_handler(record: SQSRecord) -> None:
    obj = s3_object_of(record)
    if obj is None:
        return
    if not is_form_key(obj.key):
        logger.warning("object that is not a case folder's form ignored", key=obj.key)
        return
    container = ports()
    # At most one byte more than a form may have: the parser refuses the oversized form without reading it all.
    limit = current_policy().forms.max_bytes
    body = container.storage.get_object(obj.bucket, obj.key, obj.version_id, max_bytes=limit).body
    register_application(container, key=obj.key, etag=obj.etag, body=body, now=clock.now(), bucket=obj.bucket)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return process_batch(event, context, record_handler, "intake_application")
