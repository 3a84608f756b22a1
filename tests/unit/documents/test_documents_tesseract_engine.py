"""The sandbox worker's loaded Tesseract: the same text as the command, and its faults are ours, never the file's.

Real pages: the published specimens as the pipeline prepares them, and a photographed bill.
"""

from __future__ import annotations

import os
import signal
import stat
import struct
from datetime import date
from pathlib import Path

import documents_samples as s
import pytest
from PIL import Image

from clea_intake.documents import imaging, sources, tesseract_engine
from clea_intake.documents.ocr import TesseractOcr
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.errors import OcrUnavailable
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
SPECIMENS = Path(__file__).parents[2] / "fixtures" / "real-specimens"
COMMAND = TesseractOcr("fra", loaded_engine=False)


@pytest.fixture(scope="module")
def engine():
    process = tesseract_engine.EngineProcess(POLICY.sandbox.max_memory_mb)
    yield process
    process.stop()


def prepared(name: str) -> Image.Image:
    data = (SPECIMENS / name).read_bytes()
    return sources.prepare_page(imaging.decode(data, sources.sniff(data), 40_000_000), COMMAND).image


def scanned_bill() -> bytes:
    return s.to_jpeg(s.scan(s.page_image(s.energy_bill(), dpi=150), angle=1, noise=20), quality=70)


def test_loaded_engine_reads_every_method_as_the_command_on_real_pages(engine):
    # Given specimens photographed or scanned, and one connection for all of them (as one child reads a file)
    assert not engine.disabled, "tesserocr must be built against the command's libtesseract (make setup)"
    channel = engine.channel()
    pages = [prepared(name) for name in ("100_id-esp.jpg", "100_pass-bdr.jpg", "100_id-si.jpg", "0_id-esp.png")
             if (SPECIMENS / name).exists()]  # fmt: skip
    assert len(pages) >= 3
    try:
        for page in pages + pages[:1]:
            band = page.crop((0, int(page.height * 0.55), page.width, page.height))
            for method, image, lang in (("image_text", page, "fra"), ("layout_text", page, "fra"),
                                        ("mrz_text", band, "eng")):  # fmt: skip
                # When the loaded engine and the command read the same image
                loaded = tesseract_engine.recognize(channel, image, method, lang, 30.0)
                # Then the text is the same, character for character, whatever the engine read before
                assert loaded == getattr(COMMAND, method)(image), (method, image.size)
    finally:
        channel.close()


def test_engine_killed_mid_file_is_ocr_unavailable_then_started_again(engine):
    # Given a child's connection, and the engine dying (a crash on a page, the kernel out of memory)
    channel = engine.channel()
    os.kill(engine._process.pid, signal.SIGKILL)
    engine._process.wait()
    # When the child asks for a page, then that is our fault, not a page without text
    with pytest.raises(OcrUnavailable):
        tesseract_engine.recognize(channel, Image.new("L", (300, 200), 255), "image_text", "fra", 30.0)
    channel.close()
    # And the next child gets a new engine that reads
    channel = engine.channel()
    try:
        assert tesseract_engine.recognize(channel, Image.new("L", (300, 200), 255), "image_text", "fra", 30.0) == ""
    finally:
        channel.close()


def test_missing_language_and_time_out_are_ocr_unavailable_and_the_engine_goes_on(engine):
    channel = engine.channel()
    try:
        # A language without data: the engine's failure, the connection still answers
        with pytest.raises(OcrUnavailable, match="failed"):
            tesseract_engine.recognize(channel, Image.new("L", (300, 200), 255), "image_text", "zzz", 30.0)
        # A page over its time budget: the engine stops on it and says so
        page = prepared("100_pass-bdr.jpg")
        with pytest.raises(OcrUnavailable, match="timed out"):
            tesseract_engine.recognize(channel, page, "layout_text", "fra", 0.001)
        assert tesseract_engine.recognize(channel, page, "image_text", "fra", 30.0) == COMMAND.image_text(page)
    finally:
        channel.close()


def test_malformed_request_closes_that_connection_only(engine):
    # Given a child (one that parsed a hostile file) writing garbage: a header announcing a bad size
    channel = engine.channel()
    channel.sendall(struct.pack("!BBIIIB", 0, 1, 0, 0, 1000, 3) + b"fra")
    channel.settimeout(10)
    assert channel.recv(1) == b""  # the engine closed that connection
    channel.close()
    # Then the next child is served by the same engine
    channel = engine.channel()
    try:
        assert tesseract_engine.recognize(channel, Image.new("L", (300, 200), 255), "image_text", "fra", 30.0) == ""
    finally:
        channel.close()


@pytest.mark.parametrize("provider", [lambda: TesseractOcr("fra"), lambda: None], ids=["given", "default"])
def test_sandboxed_scan_is_read_by_the_loaded_engine_not_a_new_process(tmp_path, monkeypatch, provider):
    # Given the sandbox worker of this process, its engine started (by a first scan) with the real Tesseract
    first = read_document(scanned_bill(), filename="facture.jpg", as_of=date(2026, 3, 10), policy=POLICY,
                          ocr=TesseractOcr("fra"))  # fmt: skip
    assert first.text_source == "ocr"
    # And now a `tesseract` command first on PATH that leaves a mark and fails
    mark = tmp_path / "ran"
    fake = tmp_path / "tesseract"
    fake.write_text(f"#!/bin/sh\ntouch {mark}\nexit 1\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    # When a photographed bill is read in the sandbox
    reading = read_document(scanned_bill(), filename="facture.jpg", as_of=date(2026, 3, 10), policy=POLICY,
                            ocr=provider())  # fmt: skip
    # Then the page was read by the loaded engine, no command ran (the caller's Tesseract or, with no
    # provider given, the reader's default one)
    assert reading.text_source == "ocr" and reading.fields["postal_code"] == "33000"
    assert not mark.exists()
