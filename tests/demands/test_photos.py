"""Demand photos: checked by content, re-encoded without EXIF, EXIF GPS as the location,
served by unguessable token, and nothing left behind (rows or files) after a refusal."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import ExifTags, Image
from sqlalchemy import text
from sqlalchemy.orm import Session

from grids import locate
from layers.demands import photo_files, photos
from layers.demands.photo_files import PhotoRefused, decode, exif_gps

CITY_HALL = {"lon": 131.0031, "lat": 45.7711}
# 45°46'15.96" N, 131°0'11.16" E = CITY_HALL
CITY_HALL_DMS = ((45.0, 46.0, 15.96), (131.0, 0.0, 11.16))


def picture(fmt: str = "JPEG", size=(64, 48), mode: str = "RGB", exif=None) -> bytes:
    """Return a small generated image in `fmt`."""
    img = Image.new(mode, size, 90 if len(mode) == 1 else (200, 30, 30, 128)[: len(mode)])
    out = BytesIO()
    img.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def gps_exif(lat_dms=CITY_HALL_DMS[0], lon_dms=CITY_HALL_DMS[1], lat_ref="N", lon_ref="E",
             orientation: int | None = None) -> Image.Exif:
    """Return EXIF with a GPS block (and camera make, and optionally an orientation)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: lat_ref, ExifTags.GPS.GPSLatitude: lat_dms,
        ExifTags.GPS.GPSLongitudeRef: lon_ref, ExifTags.GPS.GPSLongitude: lon_dms,
    }
    return exif


def _post(client, files, **fields):
    data = {"title": "路灯不亮", "category": "1001", **fields,
            "photos": [(BytesIO(raw), name) for name, raw in files]}
    return client.post("/api/v1/demands", data=data, content_type="multipart/form-data")


def _files(media):
    return sorted(p for p in media.rglob("*") if p.is_file())


def _counts(session):
    return session.execute(text(
        "SELECT (SELECT count(*) FROM demands), (SELECT count(*) FROM demand_photos)")).one()


def _served(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert "immutable" in r.headers["Cache-Control"]
    img = Image.open(BytesIO(r.data))
    return r, img


# --- checking one file ------------------------------------------------------------------------


def test_exif_gps_is_read_as_wgs84_lon_lat_with_hemisphere_refs():
    img = Image.open(BytesIO(picture(exif=gps_exif())))
    lon, lat = exif_gps(img.getexif())
    assert abs(lon - CITY_HALL["lon"]) < 1e-6 and abs(lat - CITY_HALL["lat"]) < 1e-6
    south_west = Image.open(BytesIO(picture(exif=gps_exif(lat_ref="S", lon_ref="W"))))
    assert exif_gps(south_west.getexif()) == pytest.approx((-lon, -lat))
    assert exif_gps(Image.open(BytesIO(picture())).getexif()) is None
    nonsense = gps_exif(lat_dms=(95.0, 0.0, 0.0))
    assert exif_gps(Image.open(BytesIO(picture(exif=nonsense))).getexif()) is None


def test_orientation_is_applied_and_big_photos_are_scaled_down():
    turned = decode(picture(size=(40, 20), exif=gps_exif(orientation=6)))
    assert (turned.width, turned.height) == (20, 40)
    big = decode(picture("PNG", size=(3000, 1000)))
    assert (big.width, big.height) == (2560, 853)
    assert max(Image.open(BytesIO(big.thumb)).size) == 320


def test_transparent_png_is_flattened_on_white_and_gray_becomes_rgb():
    flat = Image.open(BytesIO(decode(picture("PNG", mode="RGBA")).image))
    assert flat.mode == "RGB" and flat.format == "JPEG"
    assert Image.open(BytesIO(decode(picture("PNG", mode="L")).image)).mode == "RGB"


@pytest.mark.parametrize("raw, says", [
    (b"hello, this is text, not a photo\n" * 10, "不是 JPEG"),
    (b"GIF89a" + b"\x00" * 100, "不是 JPEG"),
    (b"", "文件为空"),
])
def test_files_that_are_not_photos_are_refused_by_content(raw, says):
    with pytest.raises(PhotoRefused, match=says):
        decode(raw)


def test_gif_and_truncated_jpeg_are_refused():
    with pytest.raises(PhotoRefused, match="不是 JPEG"):
        decode(picture("GIF"))
    good = picture(size=(400, 300))
    with pytest.raises(PhotoRefused, match="损坏"):
        decode(good[: len(good) // 2])


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bombs_are_refused():
    with pytest.raises(PhotoRefused, match="像素过多"):
        decode(picture("PNG", size=(7000, 6000), mode="1"))  # 42 MP: over our limit
    with pytest.raises(PhotoRefused, match="像素过多"):
        decode(picture("PNG", size=(9000, 9000), mode="1"))  # 81 MP: Pillow's bomb error


def test_staged_files_are_removed_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError), photo_files.staged(tmp_path) as store:
        store.write("a" * 43, b"x")
        store.write("a" * 43, b"y", thumb=True)
        assert len(_files(tmp_path)) == 2
        raise RuntimeError("rollback")
    assert _files(tmp_path) == []


# --- intake through the API -------------------------------------------------------------------


def test_jpeg_png_webp_are_accepted_and_served_as_jpeg_without_exif(client, media):
    files = [("a.jpg", picture("JPEG", exif=gps_exif())), ("b.png", picture("PNG", mode="RGBA")),
             ("c.webp", picture("WEBP", exif=gps_exif()))]
    r = _post(client, files, **CITY_HALL)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()["photos"]
    assert [p["kind"] for p in got] == ["before"] * 3
    assert len(_files(media)) == 6 and all(f.suffix == ".jpg" for f in _files(media))
    for p in got:
        resp, img = _served(client, p["url"])
        assert img.format == "JPEG" and (img.width, img.height) == (p["width"], p["height"])
        assert not img.getexif() and b"Exif" not in resp.data and b"TestPhone" not in resp.data
        assert resp.headers.get("X-Content-Type-Options") == "nosniff"
        _, thumb = _served(client, p["thumb_url"])
        assert max(thumb.size) <= 320 and not thumb.getexif()
    detail = client.get(f"/api/v1/demands/{r.get_json()['code']}").get_json()
    assert [p["url"] for p in detail["photos"]] == [p["url"] for p in got]


def test_photos_are_stored_under_unguessable_tokens_outside_the_web_root(client, media, session):
    r = _post(client, [("a.jpg", picture())], **CITY_HALL)
    token = session.execute(text("SELECT token, sha256, bytes FROM demand_photos")).one()
    assert len(token.token) == 43
    path = photo_files.photo_path(media, token.token)
    assert path.parent.name == token.token[:2] and path.is_file()
    assert path.stat().st_size == token.bytes
    assert r.get_json()["photos"][0]["url"] == f"/media/photos/{token.token}.jpg"
    assert "static" not in str(path)


def test_retry_with_the_same_idempotency_key_stores_the_photos_once(client, session, media):
    data = {"title": "路灯不亮", "category": "1001", **CITY_HALL}
    raw = picture()

    def send(photo):
        return client.post("/api/v1/demands", headers={"Idempotency-Key": "photo-retry-1"},
                           data={**data, "photos": [(BytesIO(photo), "a.jpg")]},
                           content_type="multipart/form-data")

    first, again = send(raw), send(raw)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["code"] == first.get_json()["code"]
    assert again.get_json()["photos"] == first.get_json()["photos"]
    assert len(_files(media)) == 2
    assert send(picture("PNG")).status_code == 409  # same key, other photo


def test_unknown_or_malformed_tokens_are_404(client):
    for name in ("A" * 43 + ".jpg", "A" * 43 + "_thumb.jpg", "../../etc/passwd", "x.jpg",
                 "A" * 43 + ".png"):
        assert client.get(f"/media/photos/{name}").status_code == 404


def test_exif_gps_gives_the_location_when_none_is_sent(client, session):
    r = _post(client, [("p.jpg", picture(exif=gps_exif()))])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    expected = locate.find(session, CITY_HALL["lon"], CITY_HALL["lat"]).grid_code
    assert body["grid_code"] == expected
    assert abs(body["lon"] - CITY_HALL["lon"]) < 1e-5
    row = session.execute(text("SELECT input_crs, input_lon, input_lat FROM demands "
                               "WHERE code = :c"), {"c": body["code"]}).one()
    assert row.input_crs == "wgs84" and abs(row.input_lat - CITY_HALL["lat"]) < 1e-6


def test_given_location_wins_over_exif_gps(client):
    r = _post(client, [("p.jpg", picture(exif=gps_exif()))], grid_code="230902031001002")
    assert r.status_code == 201 and r.get_json()["grid_code"] == "230902031001002"


def test_no_location_and_no_gps_is_refused(client):
    r = _post(client, [("p.jpg", picture())])
    assert r.status_code == 422 and "location" in r.get_json()["error"]["fields"]


# --- refusals write nothing -------------------------------------------------------------------


def _refused(client, session, media, files, **fields):
    before = _counts(session)
    r = _post(client, files, **{**CITY_HALL, **fields})
    assert r.status_code == 422, r.get_json()
    assert _counts(session) == before and _files(media) == []
    return r.get_json()["error"]["fields"]


def test_text_file_renamed_jpg_is_refused_naming_the_photo(client, session, media):
    fields = _refused(client, session, media,
                      [("ok.jpg", picture()), ("notes.jpg", b"just some text\n" * 20)])
    assert list(fields) == ["photos[1]"] and "第 2 张" in fields["photos[1]"]


def test_photo_over_10_mb_is_refused(client, session, media):
    padded = picture() + b"\0" * (10 * 1024 * 1024)  # a valid JPEG with 10 MB of trailing junk
    fields = _refused(client, session, media, [("big.jpg", padded)])
    assert "10 MB" in fields["photos[0]"]


def test_ten_photos_are_refused(client, session, media):
    fields = _refused(client, session, media, [(f"{i}.jpg", picture()) for i in range(10)])
    assert "最多 9 张" in fields["photos"]


def test_corrupt_photo_is_refused_with_the_other_field_errors(client, session, media):
    good = picture(size=(400, 300))
    fields = _refused(client, session, media, [("cut.jpg", good[: len(good) // 2])], title="")
    assert set(fields) == {"photos[0]", "title"}


def test_files_are_removed_when_the_commit_fails(client, session, media, monkeypatch):
    before = _counts(session)

    def fail(self):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "commit", fail)
    with pytest.raises(RuntimeError):
        _post(client, [("a.jpg", picture()), ("b.png", picture("PNG"))], **CITY_HALL)
    monkeypatch.undo()
    assert _files(media) == [] and _counts(session) == before


# --- photos with transitions ------------------------------------------------------------------


def _act(client, code, headers, files=(), **fields):
    data = {**fields, "photos": [(BytesIO(raw), name) for name, raw in files]}
    return client.post(f"/api/v1/demands/{code}/transitions", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_resolve_attaches_after_photos_and_other_steps_progress_photos(client, session, staff):
    code = client.post("/api/v1/demands", json={"title": "井盖缺失", "category": "1001",
                                               **CITY_HALL}).get_json()["code"]
    _, admin = staff("admin")
    if client.get(f"/api/v1/demands/{code}").get_json()["state"] == "received":
        assert _act(client, code, admin, action="dispatch").status_code == 200
    signed = _act(client, code, admin, [("s.jpg", picture())], action="sign")
    assert signed.status_code == 200, signed.get_json()
    assert [p["kind"] for p in signed.get_json()["photos"]] == ["progress"]
    r = _act(client, code, admin, [("after.webp", picture("WEBP"))], action="resolve",
             note="已修复")
    assert r.status_code == 200 and r.get_json()["state"] == "resolved"
    assert [p["kind"] for p in r.get_json()["photos"]] == ["after"]
    linked = session.execute(text(
        "SELECT e.action FROM demand_photos p JOIN demand_events e ON e.id = p.event_id "
        "WHERE p.kind = 'after'")).scalar_one()
    assert linked == "resolve"
    demand_id = session.execute(text("SELECT id FROM demands WHERE code = :c"),
                                {"c": code}).scalar_one()
    assert [p["kind"] for p in photos.photos_for(session, [demand_id, -1])[demand_id]] == [
        "progress", "after"]


def test_bad_photo_on_a_transition_changes_nothing(client, session, staff, media):
    code = client.post("/api/v1/demands", json={"title": "井盖缺失", "category": "1001",
                                               **CITY_HALL}).get_json()["code"]
    _, admin = staff("admin")
    state = client.get(f"/api/v1/demands/{code}").get_json()["state"]
    r = _act(client, code, admin, [("x.jpg", b"not an image")], action="dispatch")
    assert r.status_code == 422 and "photos[0]" in r.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/demands/{code}").get_json()["state"] == state
    assert _files(media) == []


def test_photos_for_an_empty_list_is_empty(session):
    assert photos.photos_for(session, []) == {}
