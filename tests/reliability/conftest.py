"""Shared fixtures of the reliability suite: AWS errors injected under botocore's retries, on the stack's clients.

`Faults.inject("s3", "GetObject", "SlowDown", status=503, times=2)` makes the next two attempts of that
operation fail as AWS would answer them, on the project's own cached clients (adapters.clients), so that
botocore's retry handler (standard mode, configured there) sees them and retries; the attempts that are not
injected reach moto as usual. An injected attempt never reaches moto: nothing is written by it.

botocore's backoff delays are recorded and not slept, so that a test exhausting five attempts stays fast;
`Faults.delays` shows that a backoff was asked for each retry.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import standard

from clea_intake.adapters import clients

# Where moto's request handler looks for a service: an injected attempt is sent to no such place.
_NOWHERE = "http://fault-injected.invalid/"


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self.data


def _error_body(protocol: str, code: str, message: str, extra: dict | None) -> tuple[bytes, dict[str, str]]:
    if protocol == "rest-xml":
        return (f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>"
                .encode(), {"content-type": "application/xml"})
    if protocol == "query":
        return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>fault</RequestId></ErrorResponse>".encode(), {"content-type": "text/xml"})
    if protocol == "json":
        return (json.dumps({"__type": f"com.amazonaws.fault#{code}", "message": message, **(extra or {})}).encode(),
                {"content-type": "application/x-amz-json-1.0"})
    raise NotImplementedError(f"no error body for the {protocol} protocol")


@dataclass
class _Rule:
    code: str
    status: int
    times: int
    extra: dict | None
    injected: int = 0


@dataclass
class Faults:
    """The errors injected so far, and every attempt seen, by (service, operation)."""

    attempts: Counter = field(default_factory=Counter)
    injected: Counter = field(default_factory=Counter)
    delays: list[float] = field(default_factory=list)
    _rules: dict[tuple[str, str], list[_Rule]] = field(default_factory=dict)
    _handlers: list[tuple] = field(default_factory=list)

    def inject(self, service: str, operation: str, code: str, *, status: int = 400, times: int = 1,
               extra: dict | None = None) -> None:
        """The next `times` attempts of service.operation fail with `code` (HTTP `status`)."""
        self._rules.setdefault((service, operation), []).append(_Rule(code, status, times, extra))

    def clear(self) -> None:
        """No more injected errors; the counts start again from zero."""
        self._rules.clear()
        self.attempts.clear()
        self.injected.clear()
        self.delays.clear()

    def unwatch(self) -> None:
        """Take the injector off every client it was put on."""
        for client, event, handler in self._handlers:
            client.meta.events.unregister(event, handler)
            client._clea_faults = None
        self._handlers.clear()

    def _clients(self, service: str) -> list:
        found = [clients.client(service)]
        if service == "dynamodb":
            found.append(clients.resource("dynamodb").meta.client)
        return found

    def watch(self, *services: str) -> None:
        """Put the injector on the project's cached clients of these services (once per client)."""
        for service in services:
            for client in self._clients(service):
                if getattr(client, "_clea_faults", None) is self:
                    continue
                client._clea_faults = self
                model = client.meta.service_model
                event, handler = f"before-send.{model.service_id.hyphenize()}", self._handler(service, model.protocol)
                client.meta.events.register(event, handler)
                self._handlers.append((client, event, handler))

    def _handler(self, service: str, protocol: str):
        def before_send(request, event_name: str = "", **kwargs) -> AWSResponse | None:
            key = (service, event_name.rsplit(".", 1)[-1])
            self.attempts[key] += 1
            for rule in self._rules.get(key, []):
                if rule.injected < rule.times:
                    rule.injected += 1
                    self.injected[key] += 1
                    body, headers = _error_body(protocol, rule.code, "injected fault", rule.extra)
                    request.url = _NOWHERE  # moto's handler, called after this one, leaves it alone
                    return AWSResponse(_NOWHERE, rule.status, headers, _Body(body))
            return None

        return before_send


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    """A fresh injector; botocore's backoff is recorded instead of slept."""
    injector = Faults()
    real_delay = standard.ExponentialBackoff.delay_amount

    def recorded(backoff, context):
        injector.delays.append(real_delay(backoff, context))
        return 0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", recorded)
    yield injector
    injector.clear()
    injector.unwatch()
