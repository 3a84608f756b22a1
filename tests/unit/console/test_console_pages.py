"""The console's mail, payments, page images, letters, dashboard and rate limit, on fakes of every port."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from clea_intake.console.api import build_app
from clea_intake.console.ratelimit import TokenBuckets
from clea_intake.domain.records import ReviewItem
from tests.conftest import CASE_ID, RECEIVED_AT
from tests.unit.console.test_console_api import NOW, call, event, raw
from tests.unit.console.world import MAIL_KEY, MAIL_REVIEW, OLD_EXPORT, PAID_CASE, REFUSED_CASE, rib_pdf


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


# -- page images ----------------------------------------------------------------------------------------
def test_a_piece_is_shown_as_png_pages_never_as_its_own_bytes(world):
    ports, app = world
    status, headers, body = raw(app, "GET", f"/api/documents/{CASE_ID}/rib-id/pages/2")
    assert status == 200 and headers["content-type"] == "image/png" and headers["cache-control"] == "no-store"
    width, height = png_size(body)
    assert height > width > 500   # an A4 page rasterised
    assert b"%PDF" not in body and body != rib_pdf()
    assert raw(app, "GET", f"/api/documents/{CASE_ID}/rib-id/pages/3")[0] == 404   # the RIB has two pages
    assert raw(app, "GET", f"/api/documents/{CASE_ID}/rib-id/pages/0")[0] == 404
    status, _h, body = raw(app, "GET", f"/api/documents/{CASE_ID}/doc-id/pages/1")
    assert status == 200 and png_size(body) == (600, 380)


def test_finance_sees_the_rib_but_not_the_identity_piece(world):
    _ports, app = world
    assert raw(app, "GET", f"/api/documents/{CASE_ID}/rib-id/pages/1", groups=("finance",))[0] == 200
    assert raw(app, "GET", f"/api/documents/{CASE_ID}/doc-id/pages/1", groups=("finance",))[0] == 403


def test_a_file_no_decoder_can_read_is_refused_with_a_sentence(world):
    ports, app = world
    ports.storage.put_object("bucket", f"claims/{CASE_ID}/rib.pdf", b"%PDF-1.7 not really")
    status, payload = call(app, "GET", f"/api/documents/{CASE_ID}/rib-id/pages/1")
    assert status == 422 and "ne peut pas être affichée" in payload["message"]


# -- quarantined mail ----------------------------------------------------------------------------------
def test_the_mail_page_shows_reason_headers_and_attachments_without_their_bytes(world):
    _ports, app = world
    status, listing = call(app, "GET", "/api/mail")
    assert status == 200 and [i["review_id"] for i in listing["items"]] == [MAIL_REVIEW]
    status, mail = call(app, "GET", f"/api/mail/{MAIL_REVIEW}")
    assert status == 200 and mail["readable"] and mail["code"] == "MAIL_SENDER_NOT_REGISTERED"
    assert mail["headers"]["from_address"] == "compta@organisme-exemple.fr"
    assert mail["headers"]["subject"] == "Demande de versement <b>x</b>"   # as text: the page escapes it
    [attachment] = mail["attachments"]
    assert attachment["detected_type"] == "application/pdf" and attachment["size"] > 500
    assert attachment["filename"].endswith(".pdf")
    assert "JVBER" not in json.dumps(mail) and "%PDF" not in json.dumps(mail)   # no bytes, raw or base64


def test_release_files_the_attachments_for_the_case_as_review_confirm_does(world):
    ports, app = world
    status, result = call(app, "POST", f"/api/mail/{MAIL_REVIEW}/release", body={}, user="alice")
    assert status == 200 and result["result"] == "released"
    assert ports.repository.find_review(MAIL_REVIEW).closed_by == "console:alice"
    assert any(key.startswith(f"claims/{CASE_ID}/") for _b, key in ports.storage.objects)
    assert any(e.actor == "console:alice" and "quarantaine" in (e.message or "")
               for e in ports.repository.timeline(CASE_ID))
    left = call(app, "GET", "/api/mail")[1]["items"]
    assert MAIL_REVIEW not in [i["review_id"] for i in left], left


def test_a_message_without_a_case_is_released_to_the_case_a_person_names(world):
    ports, app = world
    assert ports.repository.open_review(ReviewItem(
        review_id="MAIL-nocase", case_id=None, kind="mail", code="MAIL_NO_REFERENCE", message="Sans référence",
        subject_ref=MAIL_KEY, opened_at=RECEIVED_AT))
    assert call(app, "POST", "/api/mail/MAIL-nocase/release", body={})[0] == 422
    assert call(app, "POST", "/api/mail/MAIL-nocase/release", body={"case_id": "NA-CLEA-2026-999999"})[0] == 404
    status, result = call(app, "POST", "/api/mail/MAIL-nocase/release", body={"case_id": CASE_ID})
    assert status == 200 and result["case_id"] == CASE_ID and result["result"] == "released"


def test_dismiss_closes_the_message_and_a_document_item_is_not_a_mail(world):
    ports, app = world
    status, result = call(app, "POST", f"/api/mail/{MAIL_REVIEW}/dismiss", body={"note": "pourriel"})
    assert status == 200 and result["result"] == "dismissed"
    assert call(app, "GET", "/api/mail/rv-doc")[0] == 404


# -- payments ----------------------------------------------------------------------------------------------
def test_finance_exports_downloads_and_confirms_and_the_case_is_paid(world):
    ports, app = world
    finance = {"groups": ("finance",), "user": "lea"}
    _, pending = call(app, "GET", "/api/payments", **finance)
    assert [p["case_id"] for p in pending["items"]] == [PAID_CASE] and pending["items"][0]["amount_eur"] == "450.00"
    status, run = call(app, "POST", "/api/payments/export", **finance)
    assert status == 200 and run["export"]["orders"] == 1 and run["export"]["total_eur"] == "450.00"
    export_id = run["export"]["export_id"]
    assert call(app, "GET", "/api/payments", **finance)[1]["items"] == []
    _, listing = call(app, "GET", "/api/payments/exports", **finance)
    assert [e["export_id"] for e in listing["items"]] == [export_id]
    status, headers, csv = raw(app, "GET", f"/api/payments/exports/{export_id}/csv", **finance)
    assert status == 200 and headers["cache-control"] == "no-store" and "attachment" in headers["content-disposition"]
    assert csv == ports.storage.objects[("bucket", f"exports/{export_id}.csv")].body and PAID_CASE.encode() in csv
    status, _h, xml = raw(app, "GET", f"/api/payments/exports/{export_id}/xml", **finance)
    assert status == 200 and b"pain.001" in xml
    status, done = call(app, "POST", "/api/payments/confirm", **finance,
                        body={"filename": "retour.csv", "content_base64": base64.b64encode(csv).decode()})
    assert status == 200 and done["confirmed"] == [PAID_CASE]
    case = ports.repository.get_case(PAID_CASE)
    assert str(case.state) == "PAID"
    assert any(e.actor == "console:lea" and e.to_state == "PAID" for e in ports.repository.timeline(PAID_CASE))
    assert call(app, "GET", "/api/payments/exports", **finance)[1]["items"][0]["paid"] == 1


def test_an_unknown_export_or_a_bad_confirmation_file_is_refused_in_french(world):
    _ports, app = world
    finance = {"groups": ("finance",)}
    assert raw(app, "GET", "/api/payments/exports/../../secret/csv", **finance)[0] in (403, 404)
    assert raw(app, "GET", "/api/payments/exports/EXP-20990101-000000-000000/csv", **finance)[0] == 404
    assert raw(app, "GET", f"/api/payments/exports/{OLD_EXPORT}/pdf", **finance)[0] == 404
    status, payload = call(app, "POST", "/api/payments/confirm", **finance,
                           body={"content_base64": base64.b64encode(b"nom;montant\nx;1\n").decode()})
    assert status == 422 and "Fichier de confirmation refusé" in payload["message"]
    assert call(app, "POST", "/api/payments/confirm", **finance, body={"content_base64": "@@@"})[0] == 422


def test_iban_approvals_list_the_rib_for_finance(world):
    _ports, app = world
    status, payload = call(app, "GET", "/api/payments/ibans", groups=("finance",))
    [item] = payload["items"]
    assert status == 200 and item["review_id"] == "rv-bank" and item["document"]["doc_id"] == "rib-id"
    assert item["document"]["pages"] >= 0


# -- letters -----------------------------------------------------------------------------------------
def test_a_decision_letter_downloads_as_the_pdf_sent(world):
    _ports, app = world
    _, case = call(app, "GET", f"/api/cases/{REFUSED_CASE}")
    [mail] = case["mails"]
    assert mail["letter"] == f"/api/cases/{REFUSED_CASE}/letters/refusal"
    status, headers, pdf = raw(app, "GET", mail["letter"])
    assert status == 200 and headers["content-type"] == "application/pdf" and pdf.startswith(b"%PDF")
    assert f"{REFUSED_CASE}-decision-refus.pdf" in headers["content-disposition"]
    assert raw(app, "GET", f"/api/cases/{REFUSED_CASE}/letters/award_beneficiary")[0] == 404
    assert raw(app, "GET", f"/api/cases/{CASE_ID}/letters/document_request")[0] == 404


# -- dashboard --------------------------------------------------------------------------------------
def test_the_dashboard_is_computed_live_with_the_charts_of_the_static_one(world):
    ports, app = world
    status, board = call(app, "GET", "/api/dashboard", groups=("admin",))
    assert status == 200 and board["total_cases"] == 3
    ids = [c["id"] for c in board["charts"]]
    assert ids == ["parcours", "etats", "refus", "delais", "montants", "pieces"]
    states = next(c for c in board["charts"] if c["id"] == "etats")
    assert states["svg"].startswith("<svg") and "Dossiers par état" in states["title"] and states["description"]
    assert {k["label"] for k in board["kpis"]} >= {"Dossiers reçus", "À revoir"}
    assert {row["case_id"] for row in board["latest"]} == {CASE_ID, REFUSED_CASE, PAID_CASE}
    # Live: a case withdrawn now shows at the next call
    call(app, "POST", f"/api/cases/{CASE_ID}/withdraw", body={})
    _, later = call(app, "GET", "/api/dashboard", groups=("admin",))
    assert next(r for r in later["latest"] if r["case_id"] == CASE_ID)["state"] == "WITHDRAWN"


# -- rate limit ---------------------------------------------------------------------------------------
def test_each_person_has_a_bucket_and_an_empty_one_answers_429_with_retry_after(world):
    ports, _app = world
    moment = [0.0]
    app = build_app(lambda: ports, now=lambda: NOW, buckets=TokenBuckets(rate=1, burst=3, clock=lambda: moment[0]))
    assert [call(app, "GET", "/api/me", user="alice")[0] for _ in range(3)] == [200, 200, 200]
    response = app.resolve(event("GET", "/api/me", user="alice"), {})
    assert response["statusCode"] == 429 and response["headers"]["Retry-After"] == "1"
    assert "Trop de requêtes" in json.loads(response["body"])["message"]
    assert call(app, "GET", "/api/me", user="bob")[0] == 200   # another person is not slowed
    moment[0] = 1.0
    assert call(app, "GET", "/api/me", user="alice")[0] == 200


def test_a_case_whose_processing_stopped_is_dismissed_by_an_agent_as_with_review_dismiss(world):
    ports, app = world
    assert ports.repository.open_review(ReviewItem(
        review_id="EXEC-x", case_id=CASE_ID, kind="case", code="EXECUTION_FAILED", message="Arrêt",
        subject_ref=CASE_ID, opened_at=RECEIVED_AT))
    assert call(app, "POST", "/api/reviews/EXEC-x/dismiss", body={"note": "relancé"}, groups=("finance",))[0] == 403
    status, result = call(app, "POST", "/api/reviews/EXEC-x/dismiss", body={"note": "relancé"})
    assert status == 200 and result["result"] == "dismissed"


def test_each_resolver_checks_with_its_own_permissions_and_buckets_only(world):
    ports, app = world
    # Another resolver built in the same process (as every test does) adds nothing to this one's checks.
    other = build_app(lambda: ports, now=lambda: NOW, buckets=TokenBuckets(rate=0.001, burst=1, clock=lambda: 0.0))
    assert call(other, "GET", "/api/me")[0] == 200 and call(other, "GET", "/api/me")[0] == 429
    assert [call(app, "GET", "/api/me")[0] for _ in range(3)] == [200, 200, 200]
