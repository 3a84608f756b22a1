"""The console in a real browser (Debian's Chromium through Playwright) on a served local stack.

An agent signs in, claims the doubtful identity piece of an incomplete file, types what the piece shows,
saves, and the file moves on to AWARDED; a second agent cannot take the same item; an agent is refused the
finance routes; a reading holding `<script>` shows as text. Screenshots go to out/console/.
"""

from __future__ import annotations

import socket
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fpdf import FPDF

from clea_intake.domain.findings import DocType, Finding
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.local import console
from clea_intake.local.stack import LocalStack
from tests.e2e.test_serve_awscli import application_files

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "out" / "console"
TIMEOUT_MS = 60_000
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.filterwarnings("ignore:No application metrics to publish"),
]
# No browser download, no sandbox (containers), no GPU, nothing fetched in the background.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-default-apps", "--disable-sync", "--no-first-run",
                 "--metrics-recording-only", "--disable-domain-reliability"]
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def doubtful_pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def served():
    # moto's backends are per process: a stack another module of this worker left behind must not collide
    from moto.moto_api._internal.models import moto_api_backend

    from clea_intake import clock, runtime, settings
    from clea_intake.adapters import clients, secrets

    moto_api_backend.reset()
    # Nor may its clock, clients, settings or ports: the claims' expiry is read on this process's clock.
    clock.set_now(None)
    for cache in (clients, secrets, settings, runtime):
        cache.reset()
    with LocalStack(server_port=free_port()) as stack:
        pool, passwords = console.mount(stack, with_demo_users=True)
        passwords["agent2"] = console.add_user(pool, "agent2", "agents")
        today = date.today()
        app = application_files(4301, Path(tempfile.mkdtemp()) / "file", today)
        stack.submit(app)
        from clea_intake.samples.persona import application_documents

        for name, data in application_documents(app, received=today, seed=4301).items():
            if not name.startswith("CNI"):   # the identity piece comes as a scan the machine cannot place
                stack.upload_document(app["case_id"], name, data)
        stack.upload_document(app["case_id"], "piece-identite.pdf",
                              doubtful_pdf(["Piece d'identite", "Scan illisible", "Fait a Bordeaux"]))
        stack.settle()
        repo = stack.repo()
        assert str(repo.get_case(app["case_id"]).state) == "INCOMPLETE"
        item = next(i for i in repo.reviews("OPEN") if i.case_id == app["case_id"])
        hostile = hostile_item(repo, app["case_id"])
        yield {"stack": stack, "passwords": passwords, "app": app, "review_id": item.review_id,
               "hostile_id": hostile}


def hostile_item(repo, case_id: str) -> str:
    """A piece whose reading carries markup (as text read off an attacker's document), waiting for review."""
    moment = datetime.now().astimezone()
    repo.put_document(DocumentRecord(
        case_id=case_id, doc_id="hostile0000000000000", bucket="b", key=f"applications/{case_id}/documents/x.pdf",
        etag="e", sha256="f" * 64, original_name=HOSTILE, received_at=moment, doc_type=DocType.PROOF_OF_ADDRESS,
        confidence=0.3, status="review", fields={"holder_name": HOSTILE},
        findings=[Finding(code="LOW_CONFIDENCE", severity="warning", message=HOSTILE)]))
    review_id = "DOC-hostile"
    assert repo.open_review(ReviewItem(review_id=review_id, case_id=case_id, kind="document", code="HOSTILE_TEST",
                                       message=HOSTILE, subject_ref="hostile0000000000000",
                                       opened_at=moment + timedelta(days=1)))
    return review_id


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def signed_in(browser, served, user: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.errors = errors
    page.goto(f"{served['stack'].endpoint_url}/console/")
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe").fill(served["passwords"][user])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#view-queue:not([hidden])")
    page.wait_for_selector("#queue-rows tr")
    return page


def test_agent_claims_corrects_and_the_case_moves_on(browser, served):
    stack, review_id, case_id = served["stack"], served["review_id"], served["app"]["case_id"]
    page = signed_in(browser, served, "agent")
    row = page.locator(f'#queue-rows tr[data-review="{review_id}"]')
    assert row.count() == 1
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    row.locator('[data-action="claim"]').click()
    page.wait_for_selector("#view-item:not([hidden])")
    page.wait_for_selector("#field-doc_type")
    # the piece beside its reading: the PDF's page as an image the platform made, loaded from a blob
    page.wait_for_selector('#item-pages img[data-page="1"]')
    assert page.evaluate("() => document.querySelector('#item-pages img').naturalWidth") > 500
    assert page.evaluate("() => document.querySelector('#item-pages img').src").startswith("blob:")
    page.select_option("#field-doc_type", "identity_card")
    applicant = served["app"]["applicant"]
    for name, value in {"surname": applicant["surname"], "given_names": applicant["given_names"],
                        "birth_date": applicant["birth_date"], "document_number": "X4RTBPFW4",
                        "issue_date": "2022-05-10", "expiry_date": "2032-05-09", "nationality": "FRA"}.items():
        page.fill(f"#field-{name}", value)
    page.screenshot(path=str(SHOTS / "item.png"), full_page=True)
    page.keyboard.press("Alt+Shift+E")   # the shortcut of "Enregistrer la correction"
    page.wait_for_selector("#view-case:not([hidden]) [data-state]")
    record = stack.repo().find_document(case_id, stack.repo().find_review(review_id).subject_ref)
    assert record.fields["document_number"] == "X4RTBPFW4" and record.reviewed_by == "console:agent"
    assert stack.repo().find_review(review_id).closed_by == "console:agent"
    stack.settle()
    assert str(stack.repo().get_case(case_id).state) == "AWARDED"
    page.reload()   # the token is in memory only: a reload signs out
    page.wait_for_selector("#view-sign-in:not([hidden])")
    assert page.errors == []


def test_second_agent_cannot_claim_a_held_item(browser, served):
    first = signed_in(browser, served, "agent")
    hostile = served["hostile_id"]
    first.locator(f'#queue-rows tr[data-review="{hostile}"] [data-action="claim"]').click()
    first.wait_for_selector("#view-item:not([hidden])")
    second = signed_in(browser, served, "agent2")
    row = second.locator(f'#queue-rows tr[data-review="{hostile}"]')
    assert "agent" in row.locator("td").nth(5).inner_text()
    row.locator('[data-action="claim"]').click()
    # (a string predicate would be an eval, which the page's Content-Security-Policy refuses)
    second.locator("#status", has_text="409").wait_for()
    assert "Déjà pris en charge par agent" in second.locator("#status").inner_text()
    second.screenshot(path=str(SHOTS / "claimed-by-another.png"), full_page=True)


def test_agent_is_refused_a_finance_route(browser, served):
    page = signed_in(browser, served, "agent")
    status = page.evaluate("""async () => {
        const r = await fetch('/api/payments'); return r.status; }""")
    assert status == 401   # without the token the page holds in memory
    finance = signed_in(browser, served, "finance")
    assert finance.errors == []
    # the agent's own token, taken the way the page takes it, is refused on the finance route
    token = console.sign_in(console.UserPool(**vars_of_pool(served)), "agent", served["passwords"]["agent"])
    status = page.evaluate("async (t) => (await fetch('/api/payments', {headers: {Authorization: 'Bearer ' + t}})).status",
                           token)
    assert status == 403


def vars_of_pool(served) -> dict:
    mount = served["stack"]._server._server.app  # noqa: SLF001
    pool = mount.pool
    return {"pool_id": pool.pool_id, "client_id": pool.client_id, "region": pool.region,
            "endpoint_url": pool.endpoint_url}


def test_a_reading_holding_markup_shows_as_text(browser, served):
    page = signed_in(browser, served, "agent2")
    hostile = served["hostile_id"]
    page.evaluate("(id) => { location.hash = '#/point/' + id; }", hostile)
    page.wait_for_selector("#view-item:not([hidden])")
    page.wait_for_selector("#field-holder_name", timeout=15_000)
    assert page.input_value("#field-holder_name") == HOSTILE
    assert HOSTILE in page.locator("#item-findings").inner_text()
    assert HOSTILE in page.locator("#item-summary").inner_text()
    assert page.locator("#main img").count() == 0 and page.locator("#main script").count() == 0
    assert page.title() != "pwned" and page.errors == []
    page.screenshot(path=str(SHOTS / "hostile-reading.png"), full_page=True)
