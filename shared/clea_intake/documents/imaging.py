"""Images: decoding the formats applicants send (JPEG, PNG, WebP, HEIC/HEIF) within the limits, and
preparation before OCR: orientation, grey scale, a working resolution and deskew (Pillow)."""

from __future__ import annotations

import io
import warnings

import pillow_heif
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

# HEIC/HEIF (iPhone photos) through libheif; Pillow reads WebP itself.
pillow_heif.register_heif_opener()

JPEG, PNG, WEBP, HEIC = "image/jpeg", "image/png", "image/webp", "image/heic"
IMAGE_TYPES: dict[str, frozenset[str]] = {
    JPEG: frozenset({"JPEG", "MPO"}),
    PNG: frozenset({"PNG"}),
    WEBP: frozenset({"WEBP"}),
    HEIC: frozenset({"HEIF"}),
}


class ImageRefused(Exception):
    """The bytes cannot be taken as an image: `code` is the finding code (FILE_CORRUPT, FILE_TRUNCATED,
    IMAGE_TOO_LARGE)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def decode(data: bytes, media_type: str, max_pixels: int) -> Image.Image:
    """The decoded image of `data`, upright as the camera recorded it (EXIF orientation applied).

    The pixel limit is checked from the header, before any pixel is decoded. A file that ends early is
    read when its pixels are all there (a JPEG without its end marker, a PNG without its IEND chunk) and
    refused as truncated when they are really cut off.
    """
    # Pillow's guard is a process-wide setting: set for this decoding, and put back after it (the process
    # may open images of its own, larger than an applicant's file may be).
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x the limit: make the warning an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_TYPES.get(media_type, ()):
                raise ImageRefused("FILE_CORRUPT")
            if image.width * image.height > max_pixels:
                raise ImageRefused("IMAGE_TOO_LARGE")
            try:
                image.load()
            except OSError as exc:
                if "truncated" not in str(exc).lower():
                    raise
                image = _complete_or_refuse(data, media_type)
            else:
                if media_type == JPEG and not data.rstrip(b"\x00").endswith(_JPEG_END):
                    # libjpeg may fill a cut-off JPEG with grey and only warn: check it the same way.
                    image = _complete_or_refuse(data, media_type)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("IMAGE_TOO_LARGE") from exc
    except OSError as exc:
        raise ImageRefused("FILE_CORRUPT") from exc
    except (ValueError, SyntaxError, EOFError) as exc:  # Pillow's plugins raise these on bad headers
        raise ImageRefused("FILE_CORRUPT") from exc
    except RuntimeError as exc:
        # pillow-heif's libheif: a coded image other than its header says ("Security limit exceeded").
        raise ImageRefused("FILE_CORRUPT") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    return upright(image)


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; as stored when that block cannot be read. Pillow raises
    whatever its TIFF code meets in a malformed block (struct.error, TypeError, AttributeError, ValueError,
    SyntaxError): the pixels are whole, and the OCR tries the quarter turns itself."""
    try:
        return ImageOps.exif_transpose(image) or image
    except MemoryError:
        raise  # the sandbox's memory limit, reported as such
    except Exception:  # noqa: BLE001 - only the orientation is lost
        return image


# Bytes a decoder would take as more compressed data (0xFF, a marker's first byte, left out).
_PROBE = bytes(range(1, 255)) * 16
_JPEG_END = b"\xff\xd9"


def _complete_or_refuse(data: bytes, media_type: str) -> Image.Image:
    """A JPEG that ends early: its pixels are all there when they do not depend on what would follow the
    last byte. libjpeg fills missing data silently, so the file is decoded twice, once closed right after
    its last byte and once with other bytes before the end marker: the same pixels mean nothing was cut."""
    if media_type != JPEG:
        raise ImageRefused("FILE_TRUNCATED")
    closed = _load(data + _JPEG_END)
    probed = _load(data + _PROBE + _JPEG_END)
    if closed is None or probed is None or closed.tobytes() != probed.tobytes():
        raise ImageRefused("FILE_TRUNCATED")
    return closed


def _load(data: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except OSError:
        return None
    return image

# Tesseract reads body text best 25-40 px high: about 250-300 dpi for an A4 page. A page (or card) is
# brought to this long side; bigger images are reduced, since OCR time grows with the pixel count.
TARGET_LONG_SIDE = 2600
MIN_LONG_SIDE = 2200
MAX_LONG_SIDE = 3300


def _otsu(histogram: list[int]) -> int:
    """The grey level that best separates two populations (paper and background, or ink and paper)."""
    total = sum(histogram)
    weighted_total = sum(i * h for i, h in enumerate(histogram))
    weight_back = 0
    sum_back = 0.0
    best, level = -1.0, 128
    for i, count in enumerate(histogram):
        weight_back += count
        if weight_back == 0:
            continue
        weight_front = total - weight_back
        if weight_front == 0:
            break
        sum_back += i * count
        mean_back = sum_back / weight_back
        mean_front = (weighted_total - sum_back) / weight_front
        between = weight_back * weight_front * (mean_back - mean_front) ** 2
        if between > best:
            best, level = between, i
    return level


NOISE_FLOOR = 12
INK_LEVEL = 60
BLANK_INK_RATIO = 0.0015


def crop_to_page(grey: Image.Image) -> Image.Image:
    """A phone photo shows the page on a darker table or background: keep the page only."""
    small = grey.copy()
    small.thumbnail((500, 500))
    level = _otsu(small.histogram())
    paper = small.point(lambda v: 255 if v > level else 0).filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    box = paper.getbbox()
    if box is None:
        return grey
    area = (box[2] - box[0]) * (box[3] - box[1]) / (small.width * small.height)
    # A scan is paper edge to edge (nothing to crop); a box too small is a bright detail, not the page.
    if area > 0.92 or area < 0.2:
        return grey
    factor = grey.width / small.width
    margin = 4
    left, top = max(0, int(box[0] * factor) - margin), max(0, int(box[1] * factor) - margin)
    right, bottom = min(grey.width, int(box[2] * factor) + margin), min(grey.height, int(box[3] * factor) + margin)
    return grey.crop((left, top, right, bottom))


def flatten_light(grey: Image.Image) -> Image.Image:
    """Even out shadows and gradients: subtract the paper's own brightness, estimated without the ink."""
    small = grey.resize((max(1, grey.width // 16), max(1, grey.height // 16)), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(2))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    # Paper grain and JPEG noise differ from the paper by a few levels; ink by tens.
    ink = ImageChops.subtract(paper, grey).point(lambda v: 0 if v < NOISE_FLOOR else v)
    histogram = ink.histogram()
    total = sum(histogram)
    # Stretch the contrast only when there is ink to stretch: on a blank page, stretching would turn the
    # remaining grain into black specks that Tesseract spends tens of seconds on.
    strong = sum(histogram[INK_LEVEL:])
    if total and strong / total > BLANK_INK_RATIO:
        ink = ImageOps.autocontrast(ink, cutoff=0.5)
    return ImageOps.invert(ink)


def is_blank(grey: Image.Image) -> bool:
    """Almost no dark pixels: nothing for OCR to read (a blank back, an empty second page)."""
    histogram = grey.histogram()
    total = sum(histogram)
    return not total or sum(histogram[: 255 - INK_LEVEL]) / total < BLANK_INK_RATIO


def to_working_image(image: Image.Image) -> Image.Image:
    """Grey scale, upright as the camera recorded it (EXIF), cropped to the page, evenly lit, at a
    resolution Tesseract likes."""
    image = upright(image)
    grey = image.convert("L") if image.mode != "L" else image
    grey = crop_to_page(grey)
    long_side = max(grey.size)
    if long_side < MIN_LONG_SIDE:
        factor = min(3.0, TARGET_LONG_SIDE / long_side)
        grey = grey.resize(_scaled(grey.size, factor), Image.Resampling.LANCZOS)
    elif long_side > MAX_LONG_SIDE:
        factor = MAX_LONG_SIDE / long_side
        grey = grey.resize(_scaled(grey.size, factor), Image.Resampling.LANCZOS)
    return flatten_light(grey)


def _scaled(size: tuple[int, int], factor: float) -> tuple[int, int]:
    """`size` times `factor`, never less than a pixel a side (a strip of a page would round to nothing)."""
    return max(1, round(size[0] * factor)), max(1, round(size[1] * factor))


MAX_RULE_THICKNESS = 6


def remove_rules(grey: Image.Image, *, strips: int = 8, level: float = 0.85) -> Image.Image:
    """Erase horizontal table rules: Tesseract merges rows and drops cells when ruled lines run between
    them. A rule fills a thin band of a strip almost entirely; text never does. Vertical rules only
    come out as "|" or "[" next to the values, which the readers tolerate; erasing them would also
    erase letter stems."""
    return _erase_rows(grey, strips, level)


def _erase_rows(grey: Image.Image, strips: int, level: float) -> Image.Image:
    width, height = grey.size
    # Coverage, not mean darkness: a blurred rule is grey but unbroken; a line of text is dark but gapped.
    inverted = grey.point(lambda v: 255 if v < 170 else 0)
    out = grey.copy()
    draw = ImageDraw.Draw(out)
    strips = max(1, min(strips, width))  # an image narrower than the strips: one strip a column at most
    step = max(1, width // strips)
    threshold = level * 255
    for index in range(strips):
        left = index * step
        right = width if index == strips - 1 else left + step
        profile = inverted.crop((left, 0, right, height)).resize((1, height), Image.Resampling.BOX).tobytes()
        y = 0
        while y < height:
            if profile[y] <= threshold:
                y += 1
                continue
            end = y
            while end < height and profile[end] > threshold:
                end += 1
            # A rule is a thin band with paper on both sides; a bold line of text can fill a thin band of
            # a strip as much, but ink goes on above and below it (the rest of the letters).
            above = profile[max(0, y - 4)]
            below = profile[min(height - 1, end + 3)]
            if end - y <= MAX_RULE_THICKNESS and max(above, below) < 0.3 * 255:
                draw.rectangle([(left, max(0, y - 1)), (right, min(height - 1, end))], fill=255)
            y = end
    return out


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
