"""The console API on fakes of every port: each route for each role (deny by default), claims, decisions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from clea_intake.console.api import build_app
from clea_intake.console.ratelimit import TokenBuckets
from clea_intake.domain.findings import DocType, Finding
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.services.evaluators import SupplierRecord, describe, record_supplier
from clea_intake.services.registers import import_register
from tests.conftest import CASE_ID, RECEIVED_AT, make_case
from tests.register_files import OF_HEADER, SIRENE_HEADER, of_row, register_csv, sirene_row
from tests.unit.console.world import (
    MAIL_KEY,
    MAIL_REVIEW,
    REFUSED_CASE,
    identity_png,
    ordered_case,
    quarantined_message,
    refused_case,
    rib_pdf,
)
from tests.unit.services.fakes import fake_ports

NOW = RECEIVED_AT + timedelta(days=1)
ROLES = ("agents", "finance", "admin")
DOC_REVIEW, BANK_REVIEW = "rv-doc", "rv-bank"
EVALUATOR_SIRET = "73282932000074"


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(clock):
    ports = fake_ports()
    case = make_case(state="RECEIVED")
    assert ports.repository.create_case(case)
    ports.repository.put_document(DocumentRecord(
        case_id=CASE_ID, doc_id="doc-id", bucket="bucket", key=f"applications/{CASE_ID}/identite.jpg", etag="e",
        sha256="0" * 64, original_name="identite.jpg", received_at=RECEIVED_AT, doc_type=DocType.IDENTITY_CARD,
        confidence=0.4, status="review",
        fields={"surname": "MARTIN", "given_names": "LEA MARIE", "birth_date": "1991-07-14",
                "document_number": "<script>alert(1)</script>", "expiry_date": "2032-05-09"},
        findings=[Finding(code="LOW_CONFIDENCE", severity="warning", message="Lecture incertaine.")],
        media_type="image/png"))
    ports.repository.put_document(DocumentRecord(
        case_id=CASE_ID, doc_id="rib-id", bucket="bucket", key=f"claims/{CASE_ID}/rib.pdf", etag="e",
        sha256="1" * 64, original_name="rib.pdf", received_at=RECEIVED_AT, doc_type=DocType.BANK_DETAILS,
        confidence=0.9, fields={"iban": "FR7630004000031234567890143"}, media_type="application/pdf"))
    ports.storage.put_object("bucket", f"applications/{CASE_ID}/identite.jpg", identity_png())
    ports.storage.put_object("bucket", f"claims/{CASE_ID}/rib.pdf", rib_pdf())
    ports.storage.put_object("bucket", MAIL_KEY, quarantined_message())
    assert ports.repository.open_review(ReviewItem(
        review_id=MAIL_REVIEW, case_id=CASE_ID, kind="mail", code="MAIL_SENDER_NOT_REGISTERED",
        message="Expéditeur non enregistré", subject_ref=MAIL_KEY, opened_at=RECEIVED_AT + timedelta(minutes=9)))
    refused_case(ports)
    ordered_case(ports, NOW)
    for review_id, kind, ref, minutes in ((DOC_REVIEW, "document", "doc-id", 0), (BANK_REVIEW, "bank_details",
                                                                                  "rib-id", 5)):
        assert ports.repository.open_review(ReviewItem(
            review_id=review_id, case_id=CASE_ID, kind=kind, code="LOW_CONFIDENCE" if kind == "document"
            else "IBAN_UNKNOWN", message="À vérifier", subject_ref=ref,
            opened_at=RECEIVED_AT + timedelta(minutes=minutes)))
    record_supplier(ports.repository, SupplierRecord(siret=EVALUATOR_SIRET, name="Formation Atlantique",
                                                     emails=["contact@formation-atlantique.fr"]),
                    at=RECEIVED_AT, actor="region:suppliers")
    import_register(ports.repository, [register_csv(OF_HEADER, [of_row("75331234533", "732829320", qualiopi=False)],
                                                    ";")],
                    key="registers/organismes-formation/2026-02-15.csv", etag="of", at=RECEIVED_AT)
    import_register(ports.repository, [register_csv(SIRENE_HEADER, [sirene_row(EVALUATOR_SIRET, active=False)], ",")],
                    key="registers/sirene/2026-02-01.csv", etag="se", at=RECEIVED_AT,
                    region_departments=frozenset({"33"}))
    app = build_app(lambda: ports, now=clock, buckets=TokenBuckets(rate=1000, burst=1000))
    return ports, app


def event(method: str, path: str, *, groups: tuple[str, ...] | None = ("agents",), user: str = "alice",
          body: dict | None = None, query: dict | None = None, claims: dict | None = None) -> dict:
    context = {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                        "userAgent": "test"}, "requestId": "r1", "routeKey": "$default", "stage": "$default",
               "accountId": "123456789012", "apiId": "api", "domainName": "example", "domainPrefix": "example",
               "time": "02/Mar/2026:10:00:00 +0000", "timeEpoch": 0}
    if groups is not None or claims is not None:
        # As API Gateway's JWT authorizer passes them: an array claim flattened to "[a b]".
        context["authorizer"] = {"jwt": {"claims": claims if claims is not None else {
            "sub": f"sub-{user}", "cognito:username": user, "cognito:groups": "[" + " ".join(groups) + "]"},
            "scopes": None}}
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": urlencode(query or {}),
            "queryStringParameters": query, "headers": {"content-type": "application/json"},
            "requestContext": context, "isBase64Encoded": False,
            "body": json.dumps(body) if body is not None else None}


def call(app, method: str, path: str, **kw) -> tuple[int, dict]:
    response = app.resolve(event(method, path, **kw), {})
    body = response.get("body") or "null"
    return response["statusCode"], json.loads(body)


def call_any(app, method: str, path: str, **kw) -> tuple[int, dict | str]:
    """Like call, for routes that answer with a file: the payload is then its content type."""
    response = app.resolve(event(method, path, **kw), {})
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    if response.get("isBase64Encoded"):
        return response["statusCode"], headers.get("content-type", "")
    return response["statusCode"], json.loads(response.get("body") or "null")


def raw(app, method: str, path: str, **kw) -> tuple[int, dict, bytes]:
    import base64

    response = app.resolve(event(method, path, **kw), {})
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    return response["statusCode"], headers, data


# A request each route accepts (ids of the world above), its body when it has one.
REQUESTS = {
    ("GET", "/api/me"): ("/api/me", None),
    ("GET", "/api/reviews"): ("/api/reviews", None),
    ("GET", "/api/reviews/<review_id>"): (f"/api/reviews/{DOC_REVIEW}", None),
    ("POST", "/api/reviews/<review_id>/claim"): (f"/api/reviews/{DOC_REVIEW}/claim", None),
    ("POST", "/api/reviews/<review_id>/release"): (f"/api/reviews/{DOC_REVIEW}/release", None),
    ("POST", "/api/reviews/<review_id>/confirm"): (f"/api/reviews/{DOC_REVIEW}/confirm", None),
    ("POST", "/api/reviews/<review_id>/correct"): (f"/api/reviews/{DOC_REVIEW}/correct",
                                                   {"fields": {"document_number": "X4RTBPFW4"}}),
    ("POST", "/api/reviews/<review_id>/dismiss"): (f"/api/reviews/{DOC_REVIEW}/dismiss", {"note": "illisible"}),
    ("GET", "/api/cases/<case_id>"): (f"/api/cases/{CASE_ID}", None),
    ("POST", "/api/cases/<case_id>/withdraw"): (f"/api/cases/{CASE_ID}/withdraw", {"note": "à sa demande"}),
    ("POST", "/api/cases/<case_id>/request"): (f"/api/cases/{CASE_ID}/request", {"document": "Un justificatif"}),
    ("GET", "/api/payments"): ("/api/payments", None),
    ("GET", "/api/cases/<case_id>/letters/<kind>"): (f"/api/cases/{REFUSED_CASE}/letters/refusal", None),
    ("GET", "/api/documents/<case_id>/<doc_id>/pages/<page>"): (f"/api/documents/{CASE_ID}/rib-id/pages/1", None),
    ("GET", "/api/mail"): ("/api/mail", None),
    ("GET", "/api/mail/<review_id>"): (f"/api/mail/{MAIL_REVIEW}", None),
    ("POST", "/api/mail/<review_id>/release"): (f"/api/mail/{MAIL_REVIEW}/release", {}),
    ("POST", "/api/mail/<review_id>/dismiss"): (f"/api/mail/{MAIL_REVIEW}/dismiss", {"note": "pourriel"}),
    ("GET", "/api/payments/exports"): ("/api/payments/exports", None),
    ("POST", "/api/payments/export"): ("/api/payments/export", None),
    ("GET", "/api/payments/exports/<export_id>/<fmt>"): ("/api/payments/exports/EXP-20260301-100000-ABCDEF/csv",
                                                         None),
    ("POST", "/api/payments/confirm"): ("/api/payments/confirm", {"content_base64": "b3JkZXJfaWQKUEFZLVgK"}),
    ("GET", "/api/payments/ibans"): ("/api/payments/ibans", None),
    ("GET", "/api/dashboard"): ("/api/dashboard", None),
    ("GET", "/api/evaluators/<siret>"): (f"/api/evaluators/{EVALUATOR_SIRET}", None),
}
ALLOWED = {
    ("GET", "/api/me"): {"agents", "finance", "admin"},
    ("GET", "/api/reviews"): {"agents", "finance"},
    ("GET", "/api/reviews/<review_id>"): {"agents", "finance"},
    ("POST", "/api/reviews/<review_id>/claim"): {"agents"},      # a document item: agents' (finance: 403 by kind)
    ("POST", "/api/reviews/<review_id>/release"): {"agents", "finance"},
    ("POST", "/api/reviews/<review_id>/confirm"): {"agents"},
    ("POST", "/api/reviews/<review_id>/correct"): {"agents"},
    ("POST", "/api/reviews/<review_id>/dismiss"): {"agents"},
    ("GET", "/api/cases/<case_id>"): {"agents"},
    ("POST", "/api/cases/<case_id>/withdraw"): {"agents"},
    ("POST", "/api/cases/<case_id>/request"): {"agents"},
    ("GET", "/api/payments"): {"finance"},
    ("GET", "/api/cases/<case_id>/letters/<kind>"): {"agents"},
    ("GET", "/api/documents/<case_id>/<doc_id>/pages/<page>"): {"agents", "finance"},   # a RIB: finance sees it
    ("GET", "/api/mail"): {"agents"},
    ("GET", "/api/mail/<review_id>"): {"agents"},
    ("POST", "/api/mail/<review_id>/release"): {"agents"},
    ("POST", "/api/mail/<review_id>/dismiss"): {"agents"},
    ("GET", "/api/payments/exports"): {"finance"},
    ("POST", "/api/payments/export"): {"finance"},
    ("GET", "/api/payments/exports/<export_id>/<fmt>"): {"finance"},
    ("POST", "/api/payments/confirm"): {"finance"},
    ("GET", "/api/payments/ibans"): {"finance"},
    ("GET", "/api/dashboard"): {"agents", "finance", "admin"},
    ("GET", "/api/evaluators/<siret>"): {"agents", "admin"},
}


def test_every_declared_route_is_in_the_matrix(world):
    _ports, app = world
    assert set(app.permissions) == set(REQUESTS) == set(ALLOWED)


@pytest.mark.parametrize("route", sorted(REQUESTS), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("role", ROLES + ("none", "anonymous"))
def test_route_role_matrix(world, route, role):
    _ports, app = world
    path, body = REQUESTS[route]
    if role == "anonymous":
        status, _ = call(app, route[0], path, groups=None, body=body)
        assert status == 401
        return
    groups = () if role == "none" else (role,)
    status, payload = call_any(app, route[0], path, groups=groups, body=body)
    if role in ALLOWED[route]:
        assert status == 200, payload
    else:
        assert status == 403, payload


def test_a_route_declared_without_groups_is_refused_to_everyone(world):
    _ports, app = world

    @app.get("/api/undeclared")
    def undeclared() -> dict:
        return {"secret": True}

    for role in ROLES:
        assert call(app, "GET", "/api/undeclared", groups=(role,))[0] == 403


def test_an_unknown_group_or_a_token_without_identity_gets_nothing(world):
    _ports, app = world
    assert call(app, "GET", "/api/me", groups=("agentsx", "root"))[0] == 403
    assert call(app, "GET", "/api/me", claims={"cognito:groups": "[agents]"})[0] == 401


def test_queue_oldest_first_filtered_by_kind_and_code(world):
    _ports, app = world
    status, payload = call(app, "GET", "/api/reviews", groups=("agents",))
    assert status == 200 and [i["review_id"] for i in payload["items"]] == [DOC_REVIEW, BANK_REVIEW, MAIL_REVIEW]
    _, payload = call(app, "GET", "/api/reviews", query={"kind": "bank_details"})
    assert [i["review_id"] for i in payload["items"]] == [BANK_REVIEW]
    _, payload = call(app, "GET", "/api/reviews", query={"code": "LOW_CONFIDENCE"})
    assert [i["review_id"] for i in payload["items"]] == [DOC_REVIEW]


def test_a_second_agent_gets_409_naming_the_holder_until_the_claim_expires(world, clock):
    ports, app = world
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/claim", user="alice")[0] == 200
    status, payload = call(app, "POST", f"/api/reviews/{DOC_REVIEW}/claim", user="bob")
    assert status == 409 and "alice" in payload["message"]
    _, queue = call(app, "GET", "/api/reviews", user="bob")
    assert queue["items"][0]["claimed_by"] == "alice"
    # bob may not decide nor release what alice holds
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/confirm", user="bob")[0] == 409
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/release", user="bob")[0] == 409
    clock.at = NOW + timedelta(minutes=ports.settings.review_claim_minutes, seconds=1)
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/claim", user="bob")[0] == 200
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/claim", user="alice")[0] == 409


def test_release_lets_another_agent_claim(world):
    _ports, app = world
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/claim", user="alice")[0] == 200
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/release", user="alice")[0] == 200
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/claim", user="bob")[0] == 200


def test_only_finance_decides_an_iban_approval(world):
    _ports, app = world
    assert call(app, "POST", f"/api/reviews/{BANK_REVIEW}/claim", groups=("agents",))[0] == 403
    assert call(app, "POST", f"/api/reviews/{BANK_REVIEW}/claim", groups=("finance",))[0] == 200


def test_correct_rechecks_fields_and_records_the_token_identity_not_the_body(world):
    ports, app = world
    status, payload = call(app, "POST", f"/api/reviews/{DOC_REVIEW}/correct", user="alice",
                           body={"fields": {"document_number": "X4RTBPFW4", "expiry_date": "2020-01-01"}})
    assert status == 200 and payload["result"] == "corrected"
    record = ports.repository.find_document(CASE_ID, "doc-id")
    assert record.fields["document_number"] == "X4RTBPFW4" and record.reviewed_by == "console:alice"
    # the expiry typed by the agent is checked again: the piece is now expired
    assert "LOW_CONFIDENCE" not in {f.code for f in record.findings}
    assert any(f.severity == "error" for f in record.findings)
    actors = {e.actor for e in ports.repository.timeline(CASE_ID) if e.kind == "review"}
    assert actors == {"console:alice"}
    assert ports.repository.find_review(DOC_REVIEW).closed_by == "console:alice"


def test_a_body_naming_an_actor_is_refused(world):
    _ports, app = world
    status, _ = call(app, "POST", f"/api/reviews/{DOC_REVIEW}/dismiss", body={"note": "x", "actor": "mallory"})
    assert status == 422


def test_deciding_a_closed_item_is_a_conflict_and_an_unknown_one_not_found(world):
    _ports, app = world
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/confirm")[0] == 200
    assert call(app, "POST", f"/api/reviews/{DOC_REVIEW}/confirm")[0] == 409
    assert call(app, "POST", "/api/reviews/nope/confirm")[0] == 404
    assert call(app, "GET", "/api/cases/NA-CLEA-2026-999999")[0] == 404


def test_case_view_holds_state_timeline_documents_with_readings_and_mails(world):
    ports, app = world
    assert call(app, "POST", f"/api/cases/{CASE_ID}/request", body={"document": "Attestation"})[0] == 200
    status, case = call(app, "GET", f"/api/cases/{CASE_ID}")
    assert status == 200 and case["state"] == "RECEIVED"
    identity = next(d for d in case["documents"] if d["doc_id"] == "doc-id")
    assert identity["fields"]["document_number"] == "<script>alert(1)</script>"
    assert identity["findings"][0]["message"] == "Lecture incertaine."
    assert any(e["kind"] == "request" and e["actor"] == "console:alice" for e in case["timeline"])
    assert [m["kind"] for m in case["mails"]] == ["document_request"] and case["mails"][0]["letter"] is None


def test_withdraw_moves_the_case(world):
    ports, app = world
    status, payload = call(app, "POST", f"/api/cases/{CASE_ID}/withdraw", body={"note": "à sa demande"})
    assert status == 200 and payload["case_state"] == "WITHDRAWN"
    assert ports.repository.get_case(CASE_ID).state == "WITHDRAWN"


def test_the_openapi_schema_names_every_route(world):
    _ports, app = world
    schema = app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True)
    paths = schema["paths"]
    assert "/api/reviews/{review_id}/correct" in paths and "/api/payments" in paths
    assert len([m for p in paths.values() for m in p]) == len(REQUESTS)


def test_evaluator_view_shows_what_each_register_says_as_the_cli_does(world):
    # Given an evaluator the DGEFP list shows without Qualiopi and Sirene shows closed
    ports, app = world
    # When an agent opens it in the console
    status, body = call(app, "GET", f"/api/evaluators/{EVALUATOR_SIRET}", groups=("agents",))
    # Then it is the object `clea-intake evaluator show` prints: the record and each register with its date
    assert status == 200
    cli = describe(ports.repository, EVALUATOR_SIRET)
    assert set(body) == set(cli) and (body["siret"], body["name"]) == (cli["siret"], "Formation Atlantique")
    dgefp, sirene = body["registers"]["organismes-formation"], body["registers"]["sirene"]
    assert (dgefp["register_date"], dgefp["nda"], dgefp["region_code"]) == ("2026-02-15", "75331234533", "75")
    assert dgefp["qualiopi"]["actions_de_formation"] is False
    assert (sirene["register_date"], sirene["active"]) == ("2026-02-01", False)


def test_evaluator_view_of_an_unknown_siret_is_not_found(world):
    _ports, app = world
    status, _ = call(app, "GET", "/api/evaluators/55210055400013", groups=("admin",))
    assert status == 404
