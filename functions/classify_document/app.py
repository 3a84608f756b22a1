"""Lambda: a supporting document landed in S3 — read it, record it and move its case on."""

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from clea_intake import clock
from clea_intake.documents.result import DocumentReading
from clea_intake.domain.records import DocumentRecord
from clea_intake.runtime import CASE_MODELS, logger, metrics, ports, prepare, process_batch, s3_object_of
from clea_intake.services.documents import document_received

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS, DocumentRecord, DocumentReading)


def record_handler(record: SQSRecord) -> None:
    obj = s3_object_of(record)
    if obj is not None:
        document_received(ports(), bucket=obj.bucket, key=obj.key, etag=obj.etag, version_id=obj.version_id,
                          now=clock.now(), sequencer=obj.sequencer, last_modified=obj.last_modified,
                          uploaded_at=obj.uploaded_at)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return process_batch(event, context, record_handler, "classify_document")
