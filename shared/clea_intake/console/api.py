"""The console's HTTP API: review queue, claims, decisions and cases, on Powertools' HTTP API resolver.

Every route is declared through `_route`, which names the Cognito groups it allows: the one check
(`_authorize`) runs before anything else, and a route without groups cannot be declared (deny by default).
The actor written into a case's timeline is the token's identity, never a field of the request body.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError, UnauthorizedError

from clea_intake import clock
from clea_intake.console import auth, claims
from clea_intake.console.auth import ADMIN, AGENTS, FINANCE, Principal
from clea_intake.console.models import (
    ActOut,
    CaseOut,
    ClaimOut,
    CorrectIn,
    DocumentOut,
    EvaluatorOut,
    EventOut,
    FindingOut,
    MailOut,
    Me,
    NoteIn,
    PaymentList,
    PaymentOut,
    RequestIn,
    ResolveOut,
    ReviewDetail,
    ReviewList,
    ReviewOut,
    WithdrawIn,
)
from clea_intake.domain.errors import CaseNotFound
from clea_intake.domain.findings import DocType
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.services import cases, evaluators, review
from clea_intake.services.ports import Ports

ALL = frozenset({AGENTS, FINANCE, ADMIN})
CASE_WORK = frozenset({AGENTS})
REVIEW_WORK = frozenset({AGENTS, FINANCE})   # a review item's kind then says which of the two (auth.KIND_GROUPS)
MONEY = frozenset({FINANCE})
EVALUATOR_VIEW = frozenset({ADMIN, AGENTS})

_IDENTITY_FIELDS = ["surname", "given_names", "birth_date", "document_number", "issue_date", "expiry_date",
                    "nationality"]
# What a person may type when correcting a piece of these types (the readers' field names).
FIELD_NAMES: dict[str, list[str]] = {
    DocType.IDENTITY_CARD: _IDENTITY_FIELDS, DocType.PASSPORT: _IDENTITY_FIELDS,
    DocType.RESIDENCE_PERMIT: _IDENTITY_FIELDS,
    DocType.BANK_DETAILS: ["holder_name", "iban", "bic", "issue_date"],
}


class Forbidden(ServiceError):
    def __init__(self, msg: str = "Accès refusé"):
        super().__init__(403, msg)


class Conflict(ServiceError):
    def __init__(self, msg: str):
        super().__init__(409, msg)


def build_app(ports: Callable[[], Ports], *, now: Callable[[], datetime] = clock.now) -> APIGatewayHttpResolver:
    """The resolver over the ports `ports()` gives (built once per container on AWS, fakes in tests)."""
    app = APIGatewayHttpResolver(enable_validation=True)
    permissions: dict[tuple[str, str], frozenset[str]] = {}
    app.permissions = permissions  # type: ignore[attr-defined]  # read by the tests: every route x every role

    def _route(method: str, path: str, allow: frozenset[str]):
        if not allow or not allow <= ALL:
            raise ValueError(f"{method} {path}: name the groups it allows")
        permissions[(method, path)] = allow
        return app.route(path, method)

    def _authorize(app_: APIGatewayHttpResolver, next_middleware):
        event = app_.current_event.raw_event
        method = app_.current_event.request_context.http.method.upper()
        principal = auth.principal_from_claims(auth.claims_of(event))
        allowed = permissions.get((method, _template(app_, method)))
        if principal is None:
            return _error(401, "Authentification requise")
        if allowed is None or not principal.may(allowed):
            return _error(403, "Accès refusé")
        app_.append_context(principal=principal)
        return next_middleware(app_)

    # Before the validation middleware: an unauthorised caller learns nothing of the bodies' schemas.
    app._router_middlewares.insert(0, _authorize)  # noqa: SLF001

    def me() -> Principal:
        principal = app.context.get("principal")
        if principal is None:  # unreachable behind _authorize; never trust a missing principal
            raise UnauthorizedError("Authentification requise")
        return principal

    def _item(review_id: str) -> ReviewItem:
        item = ports().repository.find_review(review_id)
        if item is None:
            raise NotFoundError(f"Aucun point d'examen {review_id}")
        return item

    def _may_decide(item: ReviewItem) -> None:
        if not me().may(auth.KIND_GROUPS.get(item.kind, frozenset())):
            raise Forbidden(f"Un point de nature {item.kind} ne relève pas de votre rôle")

    def _review_out(item: ReviewItem, at: datetime) -> ReviewOut:
        claim = claims.live_claim(ports().repository, item.review_id, at)
        return ReviewOut(review_id=item.review_id, case_id=item.case_id, kind=item.kind, code=item.code,
                         message=item.message, opened_at=item.opened_at,
                         claimed_by=claim.holder if claim else None,
                         claim_expires_at=claim.expires_at if claim else None)

    @_route("GET", "/api/me", ALL)
    def get_me() -> Me:
        return Me(identity=me().identity, groups=sorted(me().groups))

    @_route("GET", "/api/reviews", REVIEW_WORK)
    def list_reviews(kind: str | None = None, code: str | None = None) -> ReviewList:
        at = now()
        items = [i for i in ports().repository.reviews("OPEN")
                 if (kind is None or i.kind == kind) and (code is None or i.code == code)]
        items.sort(key=lambda i: (i.opened_at, i.review_id))
        return ReviewList(items=[_review_out(i, at) for i in items])

    @_route("GET", "/api/reviews/<review_id>", REVIEW_WORK)
    def get_review(review_id: str) -> ReviewDetail:
        item = _item(review_id)
        record = None
        if item.kind in ("document", "bank_details") and item.case_id:
            record = ports().repository.find_document(item.case_id, item.subject_ref)
        return ReviewDetail(**_review_out(item, now()).model_dump(),
                            document=_document_out(record) if record else None,
                            doc_types=[str(t) for t in DocType if t != DocType.UNKNOWN],
                            field_names={str(k): v for k, v in FIELD_NAMES.items()})

    @_route("POST", "/api/reviews/<review_id>/claim", REVIEW_WORK)
    def claim(review_id: str) -> ClaimOut:
        item = _item(review_id)
        _may_decide(item)
        if item.status != "OPEN":
            raise Conflict(f"Le point {review_id} est déjà clos")
        ttl = timedelta(minutes=ports().settings.review_claim_minutes)
        try:
            taken = claims.take(ports().repository, review_id, me().identity, now(), ttl)
        except claims.AlreadyClaimed as held:
            raise Conflict(f"Déjà pris en charge par {held.claim.holder}") from held
        return ClaimOut(review_id=review_id, holder=taken.holder, expires_at=taken.expires_at)

    @_route("POST", "/api/reviews/<review_id>/release", REVIEW_WORK)
    def release(review_id: str) -> ClaimOut | None:
        _item(review_id)
        try:
            claims.release(ports().repository, review_id, me().identity, now())
        except claims.NotHolder as other:
            raise Conflict(str(other)) from other
        return None

    def _decide(review_id: str, action: str, **kwargs) -> ResolveOut:
        item = _item(review_id)
        _may_decide(item)
        at = now()
        held = claims.live_claim(ports().repository, review_id, at)
        if held is not None and held.holder != me().identity:
            raise Conflict(f"Déjà pris en charge par {held.holder}")
        try:
            result = review.resolve(ports(), review_id, action, at, actor=me().actor, **kwargs)
        except review.ReviewError as exc:
            raise Conflict(str(exc)) from exc
        claims.drop(ports().repository, review_id)
        case = ports().repository.find_case(item.case_id) if item.case_id else None
        return ResolveOut(review_id=review_id, result=result, case_id=item.case_id,
                          case_state=str(case.state) if case else None)

    @_route("POST", "/api/reviews/<review_id>/confirm", REVIEW_WORK)
    def confirm(review_id: str) -> ResolveOut:
        return _decide(review_id, "confirm")

    @_route("POST", "/api/reviews/<review_id>/correct", REVIEW_WORK)
    def correct(review_id: str, body: CorrectIn) -> ResolveOut:
        # services.review.resolve checks the corrected fields again, exactly as `clea-intake review correct`.
        return _decide(review_id, "correct", doc_type=body.doc_type, fields=dict(body.fields), note=body.note)

    @_route("POST", "/api/reviews/<review_id>/dismiss", REVIEW_WORK)
    def dismiss(review_id: str, body: NoteIn) -> ResolveOut:
        return _decide(review_id, "dismiss", note=body.note)

    def _case(case_id: str):
        case = ports().repository.find_case(case_id)
        if case is None:
            raise NotFoundError(f"Aucun dossier {case_id}")
        return case

    @_route("GET", "/api/cases/<case_id>", CASE_WORK)
    def get_case(case_id: str) -> CaseOut:
        repo = ports().repository
        case = _case(case_id)
        return CaseOut(
            case_id=case_id, state=str(case.state), reasons=list(case.reasons), missing=list(case.missing),
            timeline=[EventOut(at=e.at, actor=e.actor, kind=e.kind,
                               from_state=str(e.from_state) if e.from_state else None,
                               to_state=str(e.to_state) if e.to_state else None, reason=e.reason,
                               message=e.message) for e in repo.timeline(case_id)],
            documents=[_document_out(d) for d in repo.documents(case_id)],
            mails=[MailOut(kind=m.kind, subject=m.subject, sent_at=m.sent_at) for m in repo.mails(case_id)])

    @_route("POST", "/api/cases/<case_id>/withdraw", CASE_WORK)
    def withdraw(case_id: str, body: WithdrawIn) -> ActOut:
        _case(case_id)
        try:
            result = cases.withdraw(ports(), case_id, now(), actor=me().actor, note=body.note)
        except CaseNotFound as exc:
            raise NotFoundError(f"Aucun dossier {case_id}") from exc
        return ActOut(case_id=case_id, result=str(result), case_state=str(_case(case_id).state))

    @_route("POST", "/api/cases/<case_id>/request", CASE_WORK)
    def request_document(case_id: str, body: RequestIn) -> ActOut:
        _case(case_id)
        cases.request_document(ports(), case_id, now(), actor=me().actor, document=body.document)
        return ActOut(case_id=case_id, result="requested", case_state=str(_case(case_id).state))

    @_route("GET", "/api/evaluators/<siret>", EVALUATOR_VIEW)
    def get_evaluator(siret: str) -> EvaluatorOut:
        # The same object as `clea-intake evaluator show SIRET`: the Région's record and what each register says.
        try:
            return EvaluatorOut.model_validate(evaluators.describe(ports().repository, siret))
        except evaluators.EvaluatorNotFound as exc:
            raise NotFoundError(f"Aucun organisme de SIRET {siret}") from exc

    @_route("GET", "/api/payments", MONEY)
    def pending_payments() -> PaymentList:
        orders = ports().repository.payments("ORDERED")
        return PaymentList(items=[PaymentOut(order_id=o.order_id, case_id=o.case_id, status=o.status,
                                             created_at=o.created_at) for o in orders])

    return app


def _template(app: APIGatewayHttpResolver, method: str) -> str | None:
    """The route template (`/api/reviews/<review_id>`) the request's path matches, or None."""
    path = app.current_event.path
    for route in app._static_routes + app._dynamic_routes:  # noqa: SLF001
        methods = [route.method] if isinstance(route.method, str) else list(route.method)
        if method in (m.upper() for m in methods) and route.rule.match(path):
            return route.path
    return None


def _error(status: int, message: str) -> Response:
    import json

    return Response(status_code=status, content_type="application/json",
                    body=json.dumps({"statusCode": status, "message": message}, ensure_ascii=False))


def _document_out(d: DocumentRecord) -> DocumentOut:
    return DocumentOut(doc_id=d.doc_id, original_name=d.original_name, doc_type=str(d.doc_type),
                       confidence=d.confidence, status=str(d.status), received_at=d.received_at, pages=d.pages,
                       source=d.source, fields={k: _plain(v) for k, v in d.fields.items()},
                       findings=[FindingOut(code=f.code, severity=str(f.severity), message=f.message)
                                 for f in d.findings], reviewed_by=d.reviewed_by)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
