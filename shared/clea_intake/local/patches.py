"""moto made to run the deployed stack's way: Lambda invokes go to the real handlers, Retry waits are scaled,
Step Functions reuses its clients and parsed definitions, DynamoDB transactions are isolated, queries read their
partition (local.moto_dynamodb) and S3 events read as AWS writes them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from clea_intake.local import moto_dynamodb
from clea_intake.local.moto_dynamodb import DynamoPatches
from clea_intake.local.s3_events import send_object_event

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}

# What moto's Lambda backend calls instead of running a container: (function name, body, response headers).
Dispatch = Callable[[str, Any, dict], bytes]


class ScaledTime:
    """Stands in for the `time` module of moto's ASL retrier: Retry intervals sleep `scale` times as long."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def start_server(port: int, endpoint_url: str):
    """moto as a server on 127.0.0.1:port, configured as the in-process mock is."""
    import logging
    import urllib.request

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    request = urllib.request.Request(f"{endpoint_url}/moto-api/config", data=json.dumps(MOTO_CONFIG).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    return server


class _Unsigned:
    """Requests to the in-process mock (but S3's) carry no signature: moto checks none, and SigV4's canonical request and
    HMACs were a twentieth of a season's CPU. They still carry an Authorization header naming the access key
    (moto treats a request without one as anonymous, and S3 then refuses a private object).

    botocore asks its `choose-signer` handlers in their order of registration and takes the first answer, so
    this one is registered before botocore's own; it answers only while a mock runs in this process (a server,
    like AWS, is sent signed requests)."""

    NAME = "clea-in-process"

    def __init__(self) -> None:
        self.mocks = 0
        self._registered = False

    def __call__(self, signing_name: str = "", **kwargs: Any) -> Any:
        # S3 keeps SigV4: its signer also frames an upload's body and checksum (aws-chunked), which moto decodes.
        return self.NAME if self.mocks and signing_name != "s3" else None

    def register(self) -> None:
        """Once per process: the sessions created from then on (every client of the stack) ask it."""
        if not self._registered:
            from botocore.auth import AUTH_TYPE_MAPS
            from botocore.handlers import BUILTIN_HANDLERS

            AUTH_TYPE_MAPS[self.NAME] = _NamedKey
            BUILTIN_HANDLERS.insert(0, ("choose-signer", self))
            self._registered = True


class _NamedKey:
    """A botocore signer that writes SigV4's Authorization header without its signature: the access key and
    the credential scope (moto reads the region there when the URL names none)."""

    REQUIRES_REGION = True
    REQUIRES_TOKEN = False

    def __init__(self, credentials: Any, region_name: str, service_name: str) -> None:
        key = credentials.access_key if credentials is not None else "anonymous"
        self.header = (f"AWS4-HMAC-SHA256 Credential={key}/{time.strftime('%Y%m%d', time.gmtime())}/"
                       f"{region_name}/{service_name}/aws4_request, SignedHeaders=host, Signature=none")

    def add_auth(self, request: Any) -> None:
        request.headers["Authorization"] = self.header


UNSIGNED_IN_MOCK = _Unsigned()


class _Mock:
    """moto's mock, with the requests it serves unsigned while it runs."""

    def __init__(self, mock: Any) -> None:
        self._mock = mock

    def stop(self) -> None:
        UNSIGNED_IN_MOCK.mocks -= 1
        self._mock.stop()


def start_mock():
    """moto in this process, for every service."""
    from moto import mock_aws

    UNSIGNED_IN_MOCK.register()
    mock = mock_aws(config=MOTO_CONFIG)
    mock.start()
    UNSIGNED_IN_MOCK.mocks += 1
    return _Mock(mock)


class MotoPatches:
    """The patches of moto's classes and modules, applied once and taken back on `remove()`."""

    def __init__(self, dispatch: Dispatch, *, retry_time_scale: float) -> None:
        self.dispatch = dispatch
        self.retry_time_scale = retry_time_scale
        self._lock = threading.Lock()
        self._original_invoke = None
        self._sfn_clients: dict[tuple[str, str], Any] = {}
        self._dynamo = DynamoPatches()

    def apply(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as retrier
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

        dispatch = self.dispatch
        self._original_invoke = LambdaSimpleBackend.invoke

        def invoke(backend, function_name, qualifier, body, headers, response_headers):
            return dispatch(function_name, body, response_headers)

        LambdaSimpleBackend.invoke = invoke
        retrier.time = ScaledTime(self.retry_time_scale)
        # moto's executor builds a new boto3 client for every Lambda task (~0.2 s each): reuse one.
        self._original_client_for = lambda_eval_utils.boto_client_for
        lambda_eval_utils.boto_client_for = self._cached_client_for
        # moto applies a DynamoDB transaction by copying tables without a lock; DynamoDB isolates
        # transactions, so the stack serialises moto's DynamoDB requests (the handlers run in threads).
        from moto.dynamodb.responses import DynamoHandler

        self._original_dynamo_call = DynamoHandler.call_action
        original_dynamo_call, dynamo_lock = self._original_dynamo_call, moto_dynamodb.LOCK

        def call_action(handler):
            with dynamo_lock:
                return original_dynamo_call(handler)

        DynamoHandler.call_action = call_action
        self._dynamo.apply()  # queries read their partition, transactions copy only what they touch
        self._cache_asl_trees()
        self._track_no_instances()
        self._route_once()
        from moto.s3 import notifications

        self._original_send_event_bridge = notifications._send_event_bridge_message
        notifications._send_event_bridge_message = send_object_event

    def _track_no_instances(self) -> None:
        """moto appends every model object it ever builds to its class's `instances_tracked` (for its server's
        dashboard and for disposing of S3 bodies at reset): every DynamoDB item copied for a query, a
        transaction or an answer, every SQS message and S3 key deleted long ago stayed alive, about a megabyte
        an application over a season. Nothing of the stack reads those lists; objects stay alive only where
        moto's backends hold them, and the S3 bodies still in a bucket are disposed of at reset as before."""
        from moto.core import model_instances
        from moto.core.common_models import BaseModel

        self._original_model_new = BaseModel.__dict__["__new__"]

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - BaseModel's own, without the list
            return super(BaseModel, cls).__new__(cls)

        BaseModel.__new__ = __new__
        model_instances.reset_model_data()  # what was tracked before the stack started

    def _route_once(self) -> None:
        """moto finds each request's handler anew: it rebuilds a backend's URL map (S3 reloads its `urls` module
        to read the environment again) and lists a response class's methods with `inspect`, about a twentieth
        of a season's CPU. Both are kept here, per backend class and environment, and per response class."""
        import functools
        import os

        from moto.core import base_backend, responses

        original_urls = base_backend.BaseBackend.__dict__["urls"]
        self._original_urls = original_urls
        routes: dict[tuple, dict] = {}

        def urls(backend: Any) -> dict:
            key = (type(backend), os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS"), os.environ.get("MOTO_ENABLE_ISO_REGIONS"))
            found = routes.get(key)
            if found is None:
                found = routes[key] = original_urls.fget(backend)
            return found

        base_backend.BaseBackend.urls = property(urls)
        self._original_method_names = responses.method_names_from_class
        responses.method_names_from_class = functools.cache(self._original_method_names)

    def _cache_asl_trees(self) -> None:
        """moto lexes and parses the state machine's definition with ANTLR at every execution (a tenth of a
        second each on a season): the syntax tree of a definition is kept, and each execution still gets
        evaluation components of its own, built from it by moto's preprocessor."""
        from moto.stepfunctions.parser.asl.parse import asl_parser

        parser_class = asl_parser.AmazonStateLanguageParser
        self._original_asl_parse = parser_class.__dict__["parse"]
        original, trees = self._original_asl_parse.__func__, {}

        def parse(definition: str) -> tuple[Any, Any]:
            tree = trees.get(definition)
            if tree is None:
                program, tree = original(definition)  # syntax errors are raised here, as before
                with self._lock:
                    trees[definition] = tree
                return program, tree
            return asl_parser.Preprocessor().visit(tree), tree

        parser_class.parse = staticmethod(parse)

    def _cached_client_for(self, region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        with self._lock:
            if key not in self._sfn_clients:
                self._sfn_clients[key] = self._original_client_for(region=region, service=service)
            return self._sfn_clients[key]

    def remove(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as retrier
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

        if self._original_invoke is not None:
            from moto.dynamodb.responses import DynamoHandler

            DynamoHandler.call_action = self._original_dynamo_call
            self._dynamo.remove()
            LambdaSimpleBackend.invoke = self._original_invoke
            lambda_eval_utils.boto_client_for = self._original_client_for
            from moto.s3 import notifications

            notifications._send_event_bridge_message = self._original_send_event_bridge
            from moto.stepfunctions.parser.asl.parse import asl_parser

            asl_parser.AmazonStateLanguageParser.parse = self._original_asl_parse
            from moto.core.common_models import BaseModel

            BaseModel.__new__ = self._original_model_new
            from moto.core import base_backend, responses

            base_backend.BaseBackend.urls = self._original_urls
            responses.method_names_from_class = self._original_method_names
            self._original_invoke = None
        retrier.time = time
