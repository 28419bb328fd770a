/* gridgov photos (ES module): shrink a phone photo before upload, as 随手拍 does. */

const MAX_SIDE = 1600;
const SMALL_BYTES = 500 * 1024;

/** Resolve to the photo re-encoded as JPEG of at most 1600 px a side when that is smaller,
 * else the file itself (small files, no createImageBitmap, or `keepOriginal` — e.g. the
 * location is unknown and the server should read the photo's EXIF GPS). */
export function shrink(file, keepOriginal) {
  return new Promise((resolve) => {
    if (keepOriginal || !window.createImageBitmap || file.size < SMALL_BYTES) {
      resolve(file);
      return;
    }
    createImageBitmap(file, { imageOrientation: "from-image" }).then((bmp) => {
      const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => resolve(blob && blob.size < file.size ? blob : file),
                    "image/jpeg", 0.85);
    }).catch(() => resolve(file));
  });
}

/** Resolve to the browser's current position as {lon, lat, accuracy} (WGS84), or null when
 * it is refused, unavailable or slower than `timeoutMs`. */
export function currentPosition(timeoutMs) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude,
                         accuracy: pos.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs || 8000, maximumAge: 60000 });
  });
}
