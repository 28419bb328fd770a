"""Photo files: checking uploaded image bytes by content, re-encoding them without metadata,
and writing them to disk atomically (taken back when the transaction fails)."""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from gis.checks import in_range

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
THUMB_SIDE = 320
FORMATS = ("JPEG", "PNG", "WEBP")
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow refuses twice this outright (DecompressionBombError)


class PhotoRefused(ValueError):
    """An uploaded file that is not an acceptable photo; the message says why (Chinese)."""


@dataclass(frozen=True)
class Photo:
    """A checked photo: re-encoded JPEG and thumbnail (no EXIF), size, digest, EXIF GPS."""

    image: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str
    gps: tuple[float, float] | None  # (lon, lat) WGS84, from the original's EXIF


def decode(raw: bytes) -> Photo:
    """Return the checked, re-encoded photo of `raw`; PhotoRefused when it is not acceptable."""
    if not raw:
        raise PhotoRefused("文件为空（empty file）")
    if len(raw) > MAX_BYTES:
        raise PhotoRefused("超过 10 MB（larger than 10 MB）")
    try:
        img = _open_checked(raw)
        gps = exif_gps(img.getexif())
        img = _to_srgb(ImageOps.exif_transpose(img))
        image, (width, height) = _jpeg(img, MAX_SIDE, 85)
        thumb, _ = _jpeg(img, THUMB_SIDE, 80)
    except PhotoRefused:
        raise
    except Image.DecompressionBombError:
        raise PhotoRefused("像素过多（more than 40 megapixels）") from None
    except UnidentifiedImageError:
        raise PhotoRefused("不是 JPEG、PNG 或 WebP 图片（not a JPEG, PNG or WebP image）") from None
    except Exception:  # any decoder failure of untrusted bytes is the file's fault
        raise PhotoRefused("图片已损坏，无法读取（corrupt image）") from None
    return Photo(image, thumb, width, height, hashlib.sha256(image).hexdigest(), gps)


def _open_checked(raw: bytes) -> Image.Image:
    """Return the decoded image after checking its format (by content) and pixel count."""
    with Image.open(BytesIO(raw), formats=FORMATS) as probe:
        probe.verify()
    img = Image.open(BytesIO(raw), formats=FORMATS)
    if img.format not in FORMATS:
        raise PhotoRefused("不是 JPEG、PNG 或 WebP 图片（not a JPEG, PNG or WebP image）")
    if img.width * img.height > MAX_PIXELS:
        raise PhotoRefused("像素过多（more than 40 megapixels）")
    if img.format == "JPEG":
        img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode big JPEGs at a reduced scale
    img.load()
    return img


def _to_srgb(img: Image.Image) -> Image.Image:
    """Return `img` as RGB (sRGB when it carries a colour profile, transparency on white)."""
    icc = img.info.get("icc_profile")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(BytesIO(icc))
            img = ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"),
                                            outputMode="RGB") or img
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: keep the pixels as they are
    img.info = {}  # nothing of the original's metadata travels on
    return img


def _jpeg(img: Image.Image, side: int, quality: int) -> tuple[bytes, tuple[int, int]]:
    """Return `img` shrunk to fit side × side, as JPEG bytes without EXIF, and its size."""
    copy = img.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True, exif=b"")
    return out.getvalue(), copy.size


def exif_gps(exif: Image.Exif) -> tuple[float, float] | None:
    """Return the (lon, lat) in WGS84 of an EXIF GPS block, or None when absent or nonsense."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef),
                       "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)) or not in_range(lon, lat):
        return None
    if lon == 0 and lat == 0:
        return None  # "null island": a phone without a fix
    return lon, lat


def _degrees(value: object, ref: object, negative: str) -> float:
    """Return decimal degrees from EXIF (degrees, minutes, seconds) rationals and a N/S/E/W ref."""
    parts = [float(v) for v in value] if isinstance(value, tuple | list) else [float(value)]
    parts = (parts + [0.0, 0.0])[:3]
    deg = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    return -deg if str(ref or "").strip().upper().startswith(negative) else deg


def photo_path(root: str | os.PathLike, token: str, thumb: bool = False) -> Path:
    """Return where a photo (or its thumbnail) lives: <root>/photos/<token[:2]>/<token>.jpg."""
    return Path(root) / "photos" / token[:2] / f"{token}{'_thumb' if thumb else ''}.jpg"


class PhotoStore:
    """Writes photo files atomically under a media folder and remembers them for take-back."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.written: list[Path] = []

    def write(self, token: str, data: bytes, thumb: bool = False) -> Path:
        """Write `data` as the photo (or thumbnail) of `token` (temp file + rename); return it."""
        target = photo_path(self.root, token, thumb)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written.append(target)
        return target

    def discard(self) -> None:
        """Remove every file this store wrote."""
        while self.written:
            self.written.pop().unlink(missing_ok=True)


@contextmanager
def staged(root: str | os.PathLike) -> Iterator[PhotoStore]:
    """Yield a PhotoStore whose files are removed again if the block raises (e.g. on rollback).

    Put the database commit inside the block: files stay only when the rows were committed.
    """
    store = PhotoStore(root)
    try:
        yield store
    except BaseException:
        store.discard()
        raise
