"""Turn a rendered PDF into what applicants upload: image-only scanned PDFs, phone photos (JPEG), scans (PNG)."""

from __future__ import annotations

import io
import math
import random
from datetime import UTC, datetime

import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageChops, ImageDraw, ImageEnhance


def rasterise(pdf: bytes, dpi: int, *, first_only: bool = False) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = [doc[0]] if first_only else list(doc)
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in pages]
    finally:
        doc.close()


def _noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    # Drawn from the seeded generator (not PIL's effect_noise) so that the bytes are reproducible.
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _speckles(img: Image.Image, rng: random.Random, count: int) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(count):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.uniform(0.5, 2.2)
        shade = rng.randint(60, 160)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade,) * len(img.getbands()))


def _soften(img: Image.Image, amount: float) -> Image.Image:
    """Optical softness: a down- and up-sampling, much cheaper than a Gaussian blur on a full page."""
    w, h = img.size
    small = img.resize((max(1, int(w / amount)), max(1, int(h / amount))), Image.Resampling.BILINEAR)
    return small.resize((w, h), Image.Resampling.BILINEAR)


def _smooth_field(rng: random.Random, size: tuple[int, int], low: int, high: int) -> Image.Image:
    """A slowly varying grey field (uneven lighting, paper texture) drawn small and stretched."""
    cells = (rng.randint(2, 5), rng.randint(2, 5))
    field = Image.frombytes("L", cells, bytes(rng.randint(low, high) for _ in range(cells[0] * cells[1])))
    return field.resize(size, Image.Resampling.BICUBIC)


def scanner(img: Image.Image, rng: random.Random, *, grey: bool, max_angle: float) -> Image.Image:
    """A flatbed or copier scan: slight skew, toner noise, softened edges, uneven contrast."""
    if grey:
        img = img.convert("L")
    angle = rng.uniform(-max_angle, max_angle)
    fill = 255 if grey else (255, 255, 255)
    img = img.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=fill)
    img = _soften(img, rng.uniform(1.2, 1.7))
    noise = _noise(rng, img.size)
    img = Image.blend(img, noise if grey else noise.convert("RGB"), rng.uniform(0.04, 0.10))
    img = ImageEnhance.Contrast(img).enhance(rng.uniform(1.05, 1.35))
    _speckles(img, rng, rng.randint(20, 120))
    return img


def photo(img: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of the page on a table: background, rotation, perspective, lighting, blur."""
    w, h = img.size
    margin = int(min(w, h) * rng.uniform(0.06, 0.12))
    table = tuple(rng.randint(70, 150) for _ in range(3))
    canvas = Image.new("RGB", (w + 2 * margin, h + 2 * margin), table)
    canvas.paste(img, (margin, margin))
    cw, ch = canvas.size
    # One projective transform for rotation and perspective: the source quad is the canvas turned by
    # a few degrees around its centre, each corner moved a little.
    angle = math.radians(rng.uniform(-5, 5))
    cx, cy = cw / 2, ch / 2
    corners = []
    for x, y in ((0, 0), (0, ch), (cw, ch), (cw, 0)):
        dx, dy = x - cx, y - cy
        jitter = rng.uniform(0, 0.03) * min(cw, ch)
        corners += [cx + dx * math.cos(angle) - dy * math.sin(angle) + rng.uniform(-jitter, jitter),
                    cy + dx * math.sin(angle) + dy * math.cos(angle) + rng.uniform(-jitter, jitter)]
    canvas = canvas.transform(canvas.size, Image.Transform.QUAD, tuple(corners), resample=Image.Resampling.BILINEAR,
                              fillcolor=table)
    light = _smooth_field(rng, canvas.size, 175, 255)
    canvas = ImageChops.multiply(canvas, Image.merge("RGB", (light, light, light)))
    tint = (255, rng.randint(235, 255), rng.randint(205, 245))
    canvas = ImageChops.multiply(canvas, Image.new("RGB", canvas.size, tint))
    canvas = _soften(canvas, rng.uniform(1.3, 2.0))
    canvas = Image.blend(canvas, _noise(rng, canvas.size).convert("RGB"), rng.uniform(0.03, 0.07))
    return canvas


def to_jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, optimize=False)
    return out.getvalue()


def to_png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)  # noisy scans barely compress: favour speed
    return out.getvalue()


def scanned_pdf(pdf: bytes, rng: random.Random) -> bytes:
    """An image-only PDF of every page, as a copier's scan-to-mail produces: no text layer."""
    dpi = rng.choice((150, 200, 200, 300))
    grey = rng.random() < 0.6
    doc = pdfium.PdfDocument(pdf)
    sizes = [(page.get_width() * 25.4 / 72, page.get_height() * 25.4 / 72) for page in doc]
    doc.close()
    out = FPDF(unit="mm")
    out.set_creation_date(datetime(2026, 1, 1, 9, 30, tzinfo=UTC))
    out.set_producer(rng.choice(("RICOH IM C3000", "KONICA MINOLTA bizhub C258", "Canon iR-ADV C5535", "Xerox AltaLink C8030")))
    for img, (w_mm, h_mm) in zip(rasterise(pdf, dpi), sizes, strict=True):
        scanned = scanner(img, rng, grey=grey, max_angle=1.6)
        out.add_page(format=(w_mm, h_mm))
        out.image(io.BytesIO(to_jpeg(scanned, rng.randint(55, 80))), x=0, y=0, w=w_mm, h=h_mm)
    return bytes(out.output())


def photo_jpeg(pdf: bytes, rng: random.Random) -> bytes:
    img = rasterise(pdf, rng.choice((150, 180, 200, 220)), first_only=True)[0]
    return to_jpeg(photo(img, rng), rng.randint(60, 86))


def scan_png(pdf: bytes, rng: random.Random) -> bytes:
    # Scanners mostly save grey PNGs; colour ones at full noise weigh megabytes.
    grey = rng.random() < 0.7
    img = rasterise(pdf, rng.choice((150, 200, 200)), first_only=True)[0]
    return to_png(scanner(img, rng, grey=grey, max_angle=3.0))
