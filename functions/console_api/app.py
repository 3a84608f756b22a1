"""Lambda behind the console's HTTP API (JWT authorizer on the user pool): the resolver of console.api."""

from aws_lambda_powertools.logging import correlation_paths

from clea_intake.console.api import build_app
from clea_intake.runtime import CASE_MODELS, logger, metrics, ports, prepare

app = build_app(ports)

# The models this function's first call validates and dumps, built at import (the others on first use).
prepare(*CASE_MODELS)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
