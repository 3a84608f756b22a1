"""Lambda: a file landed under registers/ - import a supplier file or a public register, or record its refusal."""

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from clea_intake import clock
from clea_intake.domain.policy import Policy
from clea_intake.domain.registers import Establishment, RegisterReading, TrainingOrganisation
from clea_intake.runtime import logger, metrics, ports, prepare, process_batch, s3_object_of
from clea_intake.services.register_files import handle_register_file

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(Policy, RegisterReading, TrainingOrganisation, Establishment)


def record_handler(record: SQSRecord) -> None:
    obj = s3_object_of(record)
    if obj is not None:
        outcome = handle_register_file(ports(), bucket=obj.bucket, key=obj.key, etag=obj.etag,
                                       version_id=obj.version_id, now=clock.now())
        logger.info("register file handled", key=obj.key, status=outcome.status, kept=outcome.kept)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return process_batch(event, context, record_handler, "import_register")
