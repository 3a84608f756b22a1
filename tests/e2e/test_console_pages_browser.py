"""The console's mail, payments, case and dashboard pages in a real browser (Debian's Chromium, Playwright).

On a served local stack with two awarded cases: finance exports the pending order, downloads the CSV,
uploads it back as the confirmation and the case is PAID; an agent releases a claim that was quarantined
(sent from a mailbox the evaluator never registered) and the claim goes on to its payment order; the
decision letter downloads as a PDF; the dashboard draws its charts with no console error.
Screenshots of each page go to out/console/.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from clea_intake.local import console
from clea_intake.local.stack import LocalStack
from tests.e2e.conftest import at
from tests.e2e.test_claims import CLAIM_DAY, Awarded, _claim
from tests.e2e.test_console_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, TIMEOUT_MS

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore:No application metrics to publish"),
]


def pdf_text(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    from moto.moto_api._internal.models import moto_api_backend

    from clea_intake import clock, runtime, settings
    from clea_intake.adapters import clients, secrets

    moto_api_backend.reset()
    clock.set_now(None)
    for cache in (clients, secrets, settings, runtime):
        cache.reset()
    with LocalStack(server_port=free_port()) as stack:
        pool, passwords = console.mount(stack, with_demo_users=True)
        paid = Awarded(stack, 4401)
        paid.deliver(CLAIM_DAY, _claim(paid))
        assert paid.outcome()["state"] == "PAYMENT_ORDERED"
        held = Awarded(stack, 4402)
        held.deliver(CLAIM_DAY, _claim(held, sender="compta@formation-atlantique.fr"))
        [mail] = [i for i in stack.repo().reviews("OPEN") if i.kind == "mail" and i.case_id == held.case_id]
        stack.set_time(at(CLAIM_DAY + timedelta(days=1)))
        yield {"stack": stack, "passwords": passwords, "paid": paid, "held": held, "mail_review": mail.review_id}


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {SHOTS}")
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def signed_in(browser, served, user: str, *, wait_for: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda dialog: (errors.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.errors = errors
    page.goto(f"{served['stack'].endpoint_url}/console/")
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe").fill(served["passwords"][user])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector(wait_for)
    # The sign-in's own requests (who am I, the first view's list) are answered before the person acts.
    page.wait_for_load_state("networkidle")
    return page


def test_finance_exports_uploads_the_confirmation_and_the_case_is_paid(browser, served, tmp_path):
    stack, case_id = served["stack"], served["paid"].case_id
    page = signed_in(browser, served, "finance", wait_for="#view-queue:not([hidden])")
    assert page.locator('#nav a[href="#/paiements"]').is_visible()
    assert not page.locator('#nav a[href="#/courriels"]').is_visible()
    page.click('#nav a[href="#/paiements"]')
    page.wait_for_selector(f'#payments-pending tr[data-case="{case_id}"]')
    page.screenshot(path=str(SHOTS / "payments-pending.png"), full_page=True)
    page.click("#payments-export")
    page.locator("#status", has_text="Export EXP-").wait_for()
    assert page.locator(f'#payments-pending tr[data-case="{case_id}"]').count() == 0
    row = page.locator("#payments-exports tr[data-export]").first
    export_id = row.get_attribute("data-export")
    with page.expect_download() as pending_download:
        row.locator('[data-format="csv"]').click()
    download = pending_download.value
    assert download.suggested_filename == f"{export_id}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes() == stack.read_object(f"exports/{export_id}.csv")
    with page.expect_download() as xml_download:
        row.locator('[data-format="xml"]').click()
    assert xml_download.value.suggested_filename == f"{export_id}.xml"
    page.set_input_files("#payments-confirm-file", str(saved))
    page.get_by_role("button", name="Envoyer la confirmation").click()
    page.locator("#status", has_text="1 dossier(s) payé(s)").wait_for()
    assert str(stack.repo().get_case(case_id).state) == "PAID"
    paid_by = [e.actor for e in stack.repo().timeline(case_id) if str(e.to_state or "") == "PAID"]
    assert paid_by == ["console:finance"]
    page.wait_for_selector(f'#payments-exports tr[data-export="{export_id}"] td:nth-child(3):text("1")')
    page.screenshot(path=str(SHOTS / "payments.png"), full_page=True)
    assert page.errors == []


def test_an_agent_is_refused_the_payments_page(browser, served):
    page = signed_in(browser, served, "agent", wait_for="#view-queue:not([hidden])")
    assert not page.locator('#nav a[href="#/paiements"]').is_visible()
    page.evaluate("() => { location.hash = '#/paiements'; }")
    page.locator("#status", has_text="403").wait_for()
    assert page.locator("#payments-pending tr").count() == 0


def test_the_mail_page_releases_a_quarantined_claim(browser, served):
    stack, held, review_id = served["stack"], served["held"], served["mail_review"]
    page = signed_in(browser, served, "agent", wait_for="#view-queue:not([hidden])")
    page.click('#nav a[href="#/courriels"]')
    row = page.locator(f'#mail-rows tr[data-review="{review_id}"]')
    row.wait_for()
    assert "MAIL_SENDER_NOT_REGISTERED" in row.inner_text()
    page.screenshot(path=str(SHOTS / "mail.png"), full_page=True)
    row.get_by_role("link", name="Ouvrir").click()
    page.wait_for_selector("#view-mail-item:not([hidden]) #mail-attachments tr td")
    headers = page.locator("#mail-headers").inner_text()
    assert "compta@formation-atlantique.fr" in headers and held.case_id in headers
    attachments = page.locator("#mail-attachments").inner_text()
    assert "application/pdf" in attachments and "Ko" in attachments
    assert page.locator("#main img").count() == 0   # attachments are described, never shown
    page.screenshot(path=str(SHOTS / "mail-item.png"), full_page=True)
    page.click("#mail-release")
    page.locator("#status", has_text="Courriel accepté").wait_for()
    item = stack.repo().find_review(review_id)
    assert item.status == "CLOSED" and item.resolution == "released" and item.closed_by == "console:agent"
    stack.settle()
    assert held.outcome()["state"] == "PAYMENT_ORDERED", held.outcome()
    assert page.errors == []


def test_the_case_page_downloads_the_decision_letter_and_offers_request_and_withdraw(browser, served):
    case_id = served["paid"].case_id
    page = signed_in(browser, served, "agent", wait_for="#view-queue:not([hidden])")
    page.get_by_label("Ouvrir un dossier").fill(case_id)
    page.get_by_role("button", name="Ouvrir", exact=True).click()
    letter = page.locator('#case-mails tr[data-mail="award_beneficiary"] [data-action="letter"]')
    letter.wait_for()
    with page.expect_download() as pending:
        letter.click()
    download = pending.value
    assert download.suggested_filename.endswith("-decision-attribution.pdf")
    letter_pdf = Path(download.path()).read_bytes()
    # the letter the beneficiary received, as attached to the e-mail SES sent: the same text, page for page
    sent = [part.get_content() for raw in served["stack"].sent_emails()
            for part in message_from_bytes(raw["raw"] if isinstance(raw["raw"], bytes) else raw["raw"].encode(),
                                           policy=policy.default).iter_attachments()
            if part.get_filename() == download.suggested_filename]
    assert len(sent) == 1 and pdf_text(letter_pdf) == pdf_text(sent[0]) and case_id in "".join(pdf_text(letter_pdf))
    assert page.get_by_label("Pièce à demander au demandeur").is_visible()
    assert page.get_by_role("button", name="Retirer le dossier").is_visible()
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    assert page.errors == []


def test_the_dashboard_renders_its_charts_with_no_console_error(browser, served):
    page = signed_in(browser, served, "admin", wait_for="#view-dashboard:not([hidden])")
    page.wait_for_selector('#dashboard-charts [data-chart="etats"] img')
    page.wait_for_function("() => [...document.querySelectorAll('#dashboard-charts img')]"
                           ".every((img) => img.complete && img.naturalWidth > 0)")
    assert page.locator("#dashboard-charts img").count() >= 3
    assert page.locator("#dashboard-kpis li").count() >= 5
    assert served["paid"].case_id in page.locator("#dashboard-latest").inner_text()
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    # refreshed without a reload: the page fetches the figures again on its interval (30 s)
    loads = int(page.get_attribute("#dashboard-when", "data-loads"))
    page.wait_for_selector(f'#dashboard-when[data-loads="{loads + 1}"]', timeout=45_000)
    assert page.locator('#dashboard-charts [data-chart="etats"] img').count() == 1
    assert page.errors == []
