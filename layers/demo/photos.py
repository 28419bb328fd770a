"""Demo photos: small generated pictures of the scene before and after the work (整改前/整改后),
stored through layers/demands/photos.save like an upload (checked, re-encoded, thumbnail).

Only the demo backlog's demands get them: those filed by the demo admin get a 'before' photo
on their 'create' event, those the admin resolved an 'after' photo on the latest 'resolve'
event. A demand that already has its photo is left alone, so running this again adds nothing.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.demands import photos
from layers.demands.photo_files import Photo, PhotoStore, decode

SIZE = (400, 300)
VARIANTS = 6  # scenes per category and kind (a demand's before and after show the same one)
LABELS = {"before": "整改前", "after": "整改后"}
ASCII_LABELS = {"before": "BEFORE", "after": "AFTER"}
# Sky, ground and label bar: dull before, clean and bright after.
COLOURS = {"before": ("#a3a9b0", "#85786a", "#5b2f2f"), "after": ("#9fd2f2", "#a7cf95", "#2f6b3a")}
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")

_MISSING = text("""
SELECT d.id, d.code, c.name AS category, ce.id AS create_event,
       CASE WHEN d.state IN ('resolved', 'verified', 'closed') THEN re.id END AS resolve_event,
       EXISTS (SELECT 1 FROM demand_photos p WHERE p.demand_id = d.id AND p.kind = 'before')
           AS has_before,
       EXISTS (SELECT 1 FROM demand_photos p WHERE p.demand_id = d.id AND p.kind = 'after')
           AS has_after
FROM demands d
JOIN categories c ON c.code = d.category_code
JOIN demand_events ce ON ce.demand_id = d.id AND ce.action = 'create'
    AND ce.actor_user_id = :admin
LEFT JOIN LATERAL (SELECT id, actor_user_id FROM demand_events e
                   WHERE e.demand_id = d.id AND e.action = 'resolve'
                   ORDER BY e.id DESC LIMIT 1) re ON re.actor_user_id = :admin
WHERE d.state <> 'merged'
ORDER BY d.id
""")


@lru_cache(maxsize=4)
def _font(size: int) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, bool]:
    """Return a font for the labels and whether it draws Chinese (a CJK font is installed)."""
    for path in CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size), False


def scene(kind: str, category: str, seed: list[int]) -> bytes:
    """Return a small JPEG of a street scene for one demand (the same place before and after
    for a seed): litter and a red ring before, clean with a green tick after."""
    rng = np.random.default_rng(seed)
    sky, ground, bar = COLOURS[kind]
    img = Image.new("RGB", SIZE, sky)
    draw = ImageDraw.Draw(img)
    w, h = SIZE
    draw.rectangle((0, h * 0.55, w, h), fill=ground)
    left = int(rng.integers(20, 200))
    top, width = int(rng.integers(40, 90)), int(rng.integers(110, 170))
    draw.rectangle((left, top, left + width, h * 0.58), fill="#d9cbb5", outline="#6d6256")
    for x in range(left + 12, left + width - 20, 28):
        for y in range(top + 12, int(h * 0.55) - 20, 30):
            draw.rectangle((x, y, x + 14, y + 16), fill="#7f9db3")
    spot = (int(rng.integers(60, w - 60)), int(rng.integers(int(h * 0.66), int(h * 0.8))))
    if kind == "before":
        for _ in range(6):
            dx, dy, r = (int(v) for v in rng.integers((-40, -14, 6), (40, 14, 16)))
            draw.ellipse((spot[0] + dx - r, spot[1] + dy - r // 2, spot[0] + dx + r,
                          spot[1] + dy + r // 2), fill="#3d352e")
        draw.ellipse((spot[0] - 58, spot[1] - 30, spot[0] + 58, spot[1] + 30), outline="#d62d20",
                     width=4)
    else:
        draw.line((spot[0] - 22, spot[1], spot[0] - 6, spot[1] + 16, spot[0] + 26,
                   spot[1] - 18), fill="#1e8a3c", width=8)
    _label(draw, kind, category, bar)
    out = BytesIO()
    img.save(out, "JPEG", quality=70, optimize=True)
    return out.getvalue()


def _label(draw: ImageDraw.ImageDraw, kind: str, category: str, bar: str) -> None:
    """Draw the bar at the bottom: 整改前/整改后 · category (BEFORE/AFTER without a CJK font)."""
    w, h = SIZE
    font, cjk = _font(22)
    words = f"{LABELS[kind]} · {category}" if cjk else f"{ASCII_LABELS[kind]} · demo"
    draw.rectangle((0, h - 40, w, h), fill=bar)
    draw.text((12, h - 32), words, fill="white", font=font)


def missing(session: Session, admin_id: int) -> list[dict]:
    """Return the admin-filed demands that lack their 'before' or (resolved) 'after' photo."""
    rows = session.execute(_MISSING, {"admin": admin_id}).mappings()
    return [dict(r) for r in rows
            if not r["has_before"] or (r["resolve_event"] and not r["has_after"])]


@lru_cache(maxsize=1024)
def picture(kind: str, category: str, variant: int, seed: int) -> Photo:
    """Return the checked photo (photo_files.decode, as an upload) of one scene variant."""
    return decode(scene(kind, category, [seed, variant]))


def _add(session: Session, store: PhotoStore, row: dict, kind: str, seed: int) -> int:
    """Store one generated photo of `kind` on its event (create or resolve); return its id."""
    event = row["create_event" if kind == "before" else "resolve_event"]
    photo = picture(kind, row["category"], int(row["id"]) % VARIANTS, seed)
    return photos.save(session, store, row["id"], [photo], kind, event)[0]["id"]


def add_missing(session: Session, store: PhotoStore, admin_id: int,
                seed: int) -> tuple[int, int]:
    """Give the demo demands their missing before/after photos (files through `store`, rows
    flushed), dated at their events; return (before, after) added. The pictures follow from
    `seed`, the category and the demand's id."""
    added: dict[str, list[int]] = {"before": [], "after": []}
    for row in missing(session, admin_id):
        if not row["has_before"]:
            added["before"].append(_add(session, store, row, "before", seed))
        if row["resolve_event"] and not row["has_after"]:
            added["after"].append(_add(session, store, row, "after", seed))
    ids = added["before"] + added["after"]
    if ids:
        session.execute(text(
            "UPDATE demand_photos p SET created_at = e.at FROM demand_events e "
            "WHERE e.id = p.event_id AND p.id = ANY(:ids)"), {"ids": ids})
    return len(added["before"]), len(added["after"])
