"""Lambda: a raw e-mail landed under inbound/ — check it, match its case and file its attachments as a claim."""

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from clea_intake import clock
from clea_intake.domain.records import DocumentRecord
from clea_intake.runtime import CASE_MODELS, logger, metrics, ports, prepare, process_batch, s3_object_of
from clea_intake.services.inbound import ingest

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS, DocumentRecord)


def record_handler(record: SQSRecord) -> None:
    obj = s3_object_of(record)
    if obj is not None:
        ingest(ports(), bucket=obj.bucket, key=obj.key, version_id=obj.version_id, now=clock.now())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return process_batch(event, context, record_handler, "ingest_email")
