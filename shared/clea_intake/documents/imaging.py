"""Image preparation before OCR: orientation, grey scale, a working resolution and deskew (Pillow only)."""

from __future__ import annotations

from PIL import Image, ImageFilter, ImageOps, ImageStat

# Tesseract reads best with body text 20-40 px high: about 300 dpi for an A4 page.
MIN_LONG_SIDE = 1800
MAX_LONG_SIDE = 3300


def to_working_image(image: Image.Image) -> Image.Image:
    """Grey scale at a resolution Tesseract likes, upright as the camera recorded it (EXIF)."""
    image = ImageOps.exif_transpose(image) or image
    grey = image.convert("L") if image.mode != "L" else image
    long_side = max(grey.size)
    if long_side < MIN_LONG_SIDE:
        factor = min(3.0, MIN_LONG_SIDE / long_side)
        grey = grey.resize((round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS)
    elif long_side > MAX_LONG_SIDE:
        factor = MAX_LONG_SIDE / long_side
        grey = grey.resize((round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS)
    return grey


def _row_profile_score(image: Image.Image) -> float:
    # Squeezing each row to one pixel gives its mean darkness; aligned text lines make that profile
    # alternate sharply between ink and paper, so its variance peaks at the right angle.
    column = image.resize((1, image.height), Image.Resampling.BOX)
    return ImageStat.Stat(column).var[0]


def is_sideways(image: Image.Image) -> bool:
    """True when the text lines run vertically (a page photographed or scanned a quarter turn off)."""
    small = image.convert("L")
    small.thumbnail((520, 520))
    inverted = ImageOps.invert(ImageOps.autocontrast(small))
    rows = _row_profile_score(inverted)
    columns = _row_profile_score(inverted.transpose(Image.Transpose.ROTATE_90))
    return columns > rows * 1.5


def skew_angle(image: Image.Image, *, max_angle: float = 8.0) -> float:
    """The small rotation (degrees, counter-clockwise) that makes the text lines horizontal."""
    small = image.convert("L")
    small.thumbnail((520, 520))
    # Ink white on black so the fill added by the rotation (black) counts as paper.
    inverted = ImageOps.invert(ImageOps.autocontrast(small)).filter(ImageFilter.MaxFilter(3))

    def score(angle: float) -> float:
        return _row_profile_score(inverted.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False))

    best_angle, best = 0.0, score(0.0)
    for angle in (float(a) for a in range(-int(max_angle), int(max_angle) + 1, 2) if a != 0):
        value = score(angle)
        if value > best:
            best_angle, best = angle, value
    for fine in (1.0, 0.5, 0.25):
        for angle in (best_angle - fine, best_angle + fine):
            value = score(angle)
            if value > best:
                best_angle, best = angle, value
    return best_angle


def deskew(image: Image.Image) -> Image.Image:
    angle = skew_angle(image)
    if abs(angle) < 0.3:
        return image
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
