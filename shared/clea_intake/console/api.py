"""The console's HTTP API: review queue, claims, decisions and cases, on Powertools' HTTP API resolver.

Every route is declared through `_route`, which names the Cognito groups it allows: the one check
(`_authorize`) runs before anything else, and a route without groups cannot be declared (deny by default).
The actor written into a case's timeline is the token's identity, never a field of the request body.
"""

import base64
import binascii
import importlib
import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from types import ModuleType

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError, UnauthorizedError

from clea_intake import clock
from clea_intake.console import auth, claims
from clea_intake.console.auth import ADMIN, AGENTS, FINANCE, Principal
from clea_intake.console.models import (
    ActOut,
    CaseOut,
    ClaimOut,
    ConfirmIn,
    ConfirmOut,
    CorrectIn,
    DashboardOut,
    DocumentOut,
    EvaluatorOut,
    EventOut,
    ExportList,
    ExportOut,
    ExportRun,
    FindingOut,
    IbanReviewList,
    IbanReviewOut,
    MailAttachmentOut,
    MailHeadersOut,
    MailOut,
    Me,
    NoteIn,
    PaymentList,
    PaymentOut,
    QuarantinedDetail,
    QuarantinedOut,
    QuarantineList,
    ReleaseIn,
    RequestIn,
    ResolveOut,
    ReviewDetail,
    ReviewList,
    ReviewOut,
    WithdrawIn,
)
from clea_intake.console.ratelimit import TokenBuckets
from clea_intake.domain.errors import CaseNotFound
from clea_intake.domain.findings import DocType
from clea_intake.domain.records import DocumentRecord, PaymentOrder, ReviewItem
from clea_intake.services.ports import Ports


class _Lazy:
    """A module imported at its first use (importlib's import lock makes that once, whatever the thread).

    Each route calls one or two services: a console call imports those it uses, not the mail parser, the
    payment files, the dashboard and the page renderer of every other route."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)


cases = _Lazy("clea_intake.services.cases")
evaluators = _Lazy("clea_intake.services.evaluators")
review = _Lazy("clea_intake.services.review")
money = _Lazy("clea_intake.services.payments")
dashboard = _Lazy("clea_intake.console.dashboard")
pages = _Lazy("clea_intake.console.pages")

ALL = frozenset({AGENTS, FINANCE, ADMIN})
CASE_WORK = frozenset({AGENTS})
REVIEW_WORK = frozenset({AGENTS, FINANCE})   # a review item's kind then says which of the two (auth.KIND_GROUPS)
MONEY = frozenset({FINANCE})
PIECE_VIEWERS = frozenset({AGENTS, FINANCE})   # finance: the RIB pieces only (checked on the piece)
DASHBOARD = ALL

# The notices that carry a decision letter (PDF), re-rendered from the case as sent on its day.
LETTER_KINDS = frozenset({"award_beneficiary", "refusal", "arrete_evaluator"})
_EXPORT_ID = re.compile(r"^EXP-\d{8}-\d{6}-[0-9A-F]{6}$")
_EXPORT_FILES = {"csv": ("text/csv; charset=utf-8", "csv"), "xml": ("application/xml", "xml")}
IBAN_CODES = ("IBAN_FIRST_USE", "IBAN_CHANGED")
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


class TooMany(ServiceError):
    def __init__(self, msg: str):
        super().__init__(429, msg)


class Unprocessable(ServiceError):
    def __init__(self, msg: str):
        super().__init__(422, msg)


def build_app(ports: Callable[[], Ports], *, now: Callable[[], datetime] = clock.now,
              buckets: TokenBuckets | None = None) -> APIGatewayHttpResolver:
    """The resolver over the ports `ports()` gives (built once per container on AWS, fakes in tests)."""
    app = APIGatewayHttpResolver(enable_validation=True)
    buckets = buckets or TokenBuckets()
    app.buckets = buckets  # type: ignore[attr-defined]
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
        wait = buckets.take(principal.identity)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            return _error(429, f"Trop de requêtes : réessayez dans {seconds} seconde(s).",
                          {"Retry-After": str(seconds)})
        app_.append_context(principal=principal)
        return next_middleware(app_)

    # Before the validation middleware: an unauthorised caller learns nothing of the bodies' schemas.
    # A new list on this resolver: Powertools keeps the default one on the class, shared by every resolver.
    app._router_middlewares = [_authorize, *app._router_middlewares]  # noqa: SLF001

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
            mails=[MailOut(kind=m.kind, subject=m.subject, sent_at=m.sent_at,
                           letter=f"/api/cases/{case_id}/letters/{m.kind}" if m.kind in LETTER_KINDS else None)
                   for m in repo.mails(case_id)])

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

    @_route("GET", "/api/cases/<case_id>/letters/<kind>", CASE_WORK)
    def letter(case_id: str, kind: str):
        # The decision letters are not kept as files: each is made again from the case, dated the day its
        # e-mail went out (what a letter says is fixed by then: the decision, its amount or its reasons).
        from clea_intake.letters.compose import compose
        from clea_intake.services.notify import context_for

        case = _case(case_id)
        sent = [m for m in ports().repository.mails(case_id) if m.kind == kind]
        if kind not in LETTER_KINDS or not sent:
            raise NotFoundError("Aucune lettre de ce type n'a été envoyée pour ce dossier")
        email = compose(kind, context_for(case, sent[0].sent_at))  # type: ignore[arg-type]
        pdf = email.attachments[0]
        return _file(pdf.data, "application/pdf", pdf.filename)

    # -- page images -----------------------------------------------------------------------------------
    @_route("GET", "/api/documents/<case_id>/<doc_id>/pages/<page>", PIECE_VIEWERS)
    def page_image(case_id: str, doc_id: str, page: str):
        record = ports().repository.find_document(case_id, doc_id)
        if record is None:
            raise NotFoundError("Aucune pièce de ce nom dans ce dossier")
        if not me().may(CASE_WORK) and record.doc_type != DocType.BANK_DETAILS:
            raise Forbidden("Seuls les RIB sont montrés au service financier")
        if not page.isdigit() or not 1 <= int(page) <= pages.MAX_PAGES:
            raise NotFoundError("Page inconnue")
        number = int(page)
        try:
            stored = ports().storage.get_object(record.bucket, record.key, record.version_id)
        except Exception as exc:  # noqa: BLE001 - gone from the bucket (or never there): nothing to show
            raise NotFoundError("Le fichier de cette pièce n'est pas disponible") from exc
        try:
            images = render_pages(stored.body, media_type=record.media_type, dpi=pages.DPI, max_pages=number)
        except pages.PageRenderError as exc:
            raise Unprocessable("Cette pièce ne peut pas être affichée en images ; elle reste lisible "
                                "par la lecture de la machine.") from exc
        if len(images) < number:
            raise NotFoundError("Page inconnue")
        return _file(images[number - 1], "image/png", None)

    # -- quarantined mail ------------------------------------------------------------------------------
    def _mail_item(review_id: str) -> ReviewItem:
        item = _item(review_id)
        if item.kind != "mail":
            raise NotFoundError(f"Aucun courriel en quarantaine {review_id}")
        return item

    def _quarantined(item: ReviewItem, at: datetime) -> QuarantinedOut:
        claim = claims.live_claim(ports().repository, item.review_id, at)
        return QuarantinedOut(review_id=item.review_id, case_id=item.case_id, code=item.code, message=item.message,
                              opened_at=item.opened_at, claimed_by=claim.holder if claim else None)

    @_route("GET", "/api/mail", CASE_WORK)
    def quarantine() -> QuarantineList:
        at = now()
        items = sorted((i for i in ports().repository.reviews("OPEN") if i.kind == "mail"),
                       key=lambda i: (i.opened_at, i.review_id))
        return QuarantineList(items=[_quarantined(i, at) for i in items])

    @_route("GET", "/api/mail/<review_id>", CASE_WORK)
    def quarantined(review_id: str) -> QuarantinedDetail:
        from clea_intake.domain.policy import current_policy
        from clea_intake.mail.parse import MalformedMessage, parse_inbound

        item = _mail_item(review_id)
        base = _quarantined(item, now()).model_dump()
        limits = current_policy().claims
        try:
            raw = ports().storage.get_object(ports().settings.bucket_name, item.subject_ref,
                                             max_bytes=limits.max_message_bytes)
        except Exception:  # noqa: BLE001 - the message is gone or unreachable: say so, show the rest
            return QuarantinedDetail(**base, readable=False, unreadable_reason="Le message n'est plus disponible.")
        if raw.size > limits.max_message_bytes:
            return QuarantinedDetail(**base, readable=False, size=raw.size,
                                     unreadable_reason="Le message dépasse la taille admise ; il n'est pas lu.")
        try:
            msg = parse_inbound(raw.body, max_attachments=limits.max_attachments,
                                max_attachment_bytes=limits.max_attachment_bytes,
                                max_total_bytes=limits.max_message_bytes)
        except MalformedMessage as bad:
            return QuarantinedDetail(**base, readable=False, size=raw.size, unreadable_reason=bad.message_fr)
        return QuarantinedDetail(
            **base, readable=True, size=raw.size,
            headers=MailHeadersOut(from_address=msg.from_address, to_addresses=msg.to_addresses, subject=msg.subject,
                                   date=msg.date, message_id=msg.message_id, spf=msg.spf, dkim=msg.dkim,
                                   dmarc=msg.dmarc, spam_verdict=msg.spam_verdict, virus_verdict=msg.virus_verdict),
            attachments=[MailAttachmentOut(filename=a.sanitised_filename, declared_type=a.content_type_declared,
                                           detected_type=a.content_type_sniffed, size=a.size,
                                           supported=a.is_supported_document) for a in msg.attachments],
            problems=[FindingOut(code=str(p.code), severity=p.severity, message=p.message_fr) for p in msg.problems])

    @_route("POST", "/api/mail/<review_id>/release", CASE_WORK)
    def release_mail(review_id: str, body: ReleaseIn) -> ResolveOut:
        item = _mail_item(review_id)
        if body.case_id and body.case_id != item.case_id:
            if item.case_id:
                raise Conflict(f"Ce courriel relève déjà du dossier {item.case_id}")
            _case(body.case_id)
            # The person recognised the case the machine could not find: the item names it from now on.
            ports().repository.close_review(item.model_copy(update={"case_id": body.case_id}))
        elif not item.case_id:
            raise Unprocessable("Indiquez le dossier auquel ce courriel se rapporte")
        return _decide(review_id, "confirm")   # services.review: what `clea-intake review confirm` does

    @_route("POST", "/api/mail/<review_id>/dismiss", CASE_WORK)
    def dismiss_mail(review_id: str, body: NoteIn) -> ResolveOut:
        _mail_item(review_id)
        return _decide(review_id, "dismiss", note=body.note)

    # -- payments --------------------------------------------------------------------------------------
    def _payment_out(o: PaymentOrder) -> PaymentOut:
        return PaymentOut(order_id=o.order_id, case_id=o.case_id, status=o.status, created_at=o.created_at,
                          amount_eur=f"{o.amount_eur:.2f}", creditor_name=o.creditor_name, iban=o.iban)
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
        return PaymentList(items=[_payment_out(o) for o in orders])

    def _exports() -> dict[str, list[PaymentOrder]]:
        repo = ports().repository
        grouped: dict[str, list[PaymentOrder]] = {}
        for status in ("EXPORTED", "PAID"):
            for order in repo.payments(status):
                if order.export_id:
                    grouped.setdefault(order.export_id, []).append(order)
        return grouped

    def _export_out(export_id: str, orders: list[PaymentOrder], *, again: bool = False) -> ExportOut:
        stamps = [o.exported_at for o in orders if o.exported_at is not None]
        return ExportOut(export_id=export_id, orders=len(orders), total_eur=f"{sum(o.amount_eur for o in orders):.2f}",
                         exported_at=min(stamps) if stamps else None,
                         paid=sum(1 for o in orders if o.status == "PAID"), again=again)

    @_route("GET", "/api/payments/exports", MONEY)
    def exports() -> ExportList:
        grouped = _exports()
        return ExportList(items=[_export_out(i, grouped[i]) for i in sorted(grouped, reverse=True)])

    @_route("POST", "/api/payments/export", MONEY)
    def export() -> ExportRun:
        # What `clea-intake payments export` does: files of an earlier failed export first, then the new one.
        at = now()
        rewrites = money.rewrite_missing_exports(ports(), at)
        done = money.export_payments(ports(), at)
        out = _export_out(done.export_id, done.orders) if done else None
        message = (f"Export {done.export_id} : {len(done.orders)} ordre(s), {done.total:.2f} €." if done
                   else "Aucun ordre de paiement en attente.")
        return ExportRun(export=out, rewritten=[_export_out(e.export_id, e.orders, again=True) for e in rewrites.written],
                         waiting=rewrites.waiting, message=message)

    @_route("GET", "/api/payments/exports/<export_id>/<fmt>", MONEY)
    def export_file(export_id: str, fmt: str):
        if not _EXPORT_ID.match(export_id) or fmt not in _EXPORT_FILES:
            raise NotFoundError("Aucun export de ce nom")
        content_type, extension = _EXPORT_FILES[fmt]
        key = f"exports/{export_id}.{extension}"
        bucket = ports().settings.bucket_name
        if not ports().storage.exists(bucket, key):
            raise NotFoundError("Fichier d'export absent (relancer l'export pour l'écrire à nouveau)")
        return _file(ports().storage.get_object(bucket, key).body, content_type, f"{export_id}.{extension}")

    @_route("POST", "/api/payments/confirm", MONEY)
    def confirm_payments(body: ConfirmIn) -> ConfirmOut:
        from clea_intake.payments.confirm import InvalidConfirmationFile

        try:
            data = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Unprocessable("Le fichier envoyé n'a pas pu être lu.") from exc
        try:
            confirmed = money.confirm_file(ports(), data, now(), actor=me().actor)   # as `payments confirm`
        except InvalidConfirmationFile as exc:
            raise Unprocessable(f"Fichier de confirmation refusé ({exc}) : envoyez le fichier CSV de l'export, "
                                "avec sa colonne order_id ou case_id.") from exc
        return ConfirmOut(confirmed=confirmed, message=f"{len(confirmed)} dossier(s) payé(s).")

    @_route("GET", "/api/payments/ibans", MONEY)
    def iban_reviews() -> IbanReviewList:
        at = now()
        repo = ports().repository
        items = sorted((i for i in repo.reviews("OPEN") if i.kind == "bank_details"),
                       key=lambda i: (i.opened_at, i.review_id))
        out = []
        for item in items:
            record = repo.find_document(item.case_id, item.subject_ref) if item.case_id else None
            claim = claims.live_claim(repo, item.review_id, at)
            out.append(IbanReviewOut(review_id=item.review_id, case_id=item.case_id, code=item.code,
                                     message=item.message, opened_at=item.opened_at,
                                     claimed_by=claim.holder if claim else None,
                                     document=_document_out(record) if record else None))
        return IbanReviewList(items=out)

    # -- dashboard -------------------------------------------------------------------------------------
    @_route("GET", "/api/dashboard", DASHBOARD)
    def live_dashboard() -> DashboardOut:
        return DashboardOut(**dashboard.live(ports().repository, now()))

    return app


def render_pages(data: bytes, *, media_type: str, dpi: int, max_pages: int) -> list[bytes]:
    """The piece's pages as PNG, drawn in the sandbox; whatever stops the drawing (a refused file, a limit, the
    child's failure) is a PageRenderError."""
    from clea_intake.documents import sandbox

    try:
        return sandbox.render_pages(data, media_type=media_type, dpi=dpi, max_pages=max_pages)
    except Exception as exc:  # noqa: BLE001 - DocumentRejected, ProcessingLimit, the child's failure...
        raise pages.PageRenderError(type(exc).__name__) from exc


def _file(data: bytes, content_type: str, filename: str | None):
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(status_code=200, content_type=content_type, body=data, headers=headers)

def _template(app: APIGatewayHttpResolver, method: str) -> str | None:
    """The route template (`/api/reviews/<review_id>`) the request's path matches, or None."""
    path = app.current_event.path
    for route in app._static_routes + app._dynamic_routes:  # noqa: SLF001
        methods = [route.method] if isinstance(route.method, str) else list(route.method)
        if method in (m.upper() for m in methods) and route.rule.match(path):
            return route.path
    return None


def _error(status: int, message: str, headers: dict[str, str] | None = None):
    import json

    return Response(status_code=status, content_type="application/json", headers=headers,
                    body=json.dumps({"statusCode": status, "message": message}, ensure_ascii=False))


def _document_out(d: DocumentRecord) -> DocumentOut:
    return DocumentOut(doc_id=d.doc_id, original_name=d.original_name, doc_type=str(d.doc_type),
                       confidence=d.confidence, status=str(d.status), received_at=d.received_at, pages=d.pages,
                       source=d.source, fields={k: _plain(v) for k, v in d.fields.items()},
                       findings=[FindingOut(code=f.code, severity=str(f.severity), message=f.message)
                                 for f in d.findings], reviewed_by=d.reviewed_by)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
