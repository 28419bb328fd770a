/* gridgov datum (ES module) — WGS84 ⇄ GCJ-02 in the browser, the ONLY display shift: every
 * map draws the API's WGS84 data moved into the basemap's datum (GCJ-02 over Amap/Tencent
 * tiles). gridgov's own code, no third-party code copied: a line-by-line port of gis/coords.py
 * — the widely published GCJ-02 formula and constants, the same "in China" box and the same
 * 8-step inverse — so page and server agree to far below a centimetre.
 *
 * create(datum) gives what a page draws with: latLng(lat, lon) and geojson(obj) take WGS84 and
 * return it in `datum` ("wgs84": unchanged, "gcj02": shifted). A point picked on such a map
 * is sent with crs=<datum>; the server converts it back. fromCrs(lon, lat, crs) reads a point
 * typed in wgs84|gcj02|bd09 as WGS84. */

const A = 6378245.0;
const EE = 0.00669342162296594323;
const PI = Math.PI;
const X_PI = PI * 3000.0 / 180.0;

/** Return true inside the box where GCJ-02 differs from WGS84. */
export function inChina(lon, lat) {
  return lon > 72.004 && lon < 137.8347 && lat > 0.8293 && lat < 55.8271;
}

function transformLat(x, y) {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  ret += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
  ret += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
  return ret;
}

function transformLon(x, y) {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  ret += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
  ret += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
  return ret;
}

/* [dlon, dlat] that GCJ-02 adds at WGS84 (lon, lat); [0, 0] outside China. */
function offset(lon, lat) {
  if (!inChina(lon, lat)) return [0, 0];
  let dlat = transformLat(lon - 105.0, lat - 35.0);
  let dlon = transformLon(lon - 105.0, lat - 35.0);
  const radlat = lat / 180.0 * PI;
  const sin = Math.sin(radlat);
  const magic = 1 - EE * (sin * sin);
  const sqrtmagic = Math.sqrt(magic);
  dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * PI);
  dlon = (dlon * 180.0) / (A / sqrtmagic * Math.cos(radlat) * PI);
  return [dlon, dlat];
}

/** Return the GCJ-02 [lon, lat] of a WGS84 point. */
export function toGcj02(lon, lat) {
  const d = offset(lon, lat);
  return [lon + d[0], lat + d[1]];
}

/** Return the WGS84 [lon, lat] of a GCJ-02 point (iterative, as the server's gcj02_to_wgs84). */
export function toWgs84(lon, lat) {
  let wlon = lon, wlat = lat;
  for (let i = 0; i < 8; i++) {
    const d = offset(wlon, wlat);
    wlon = lon - d[0];
    wlat = lat - d[1];
  }
  return [wlon, wlat];
}

/** Return the GCJ-02 [lon, lat] of a BD-09 (Baidu) point (as the server's bd09_to_gcj02). */
export function bd09ToGcj02(lon, lat) {
  const x = lon - 0.0065, y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  return [z * Math.cos(theta), z * Math.sin(theta)];
}

/** Return the WGS84 [lon, lat] of a point given in crs "wgs84", "gcj02" or "bd09" (as the
 * server's to_wgs84), e.g. coordinates typed into a form; null for another crs. */
export function fromCrs(lon, lat, crs) {
  if (crs === "wgs84") return [lon, lat];
  if (crs === "gcj02") return toWgs84(lon, lat);
  if (crs === "bd09") return toWgs84(...bd09ToGcj02(lon, lat));
  return null;
}

function mapPositions(coords, move) {
  if (typeof coords[0] === "number") return move(coords[0], coords[1]).concat(coords.slice(2));
  return coords.map((c) => mapPositions(c, move));
}

/* A copy of a GeoJSON object (collection, feature or geometry) with every position moved;
 * properties and other members are kept as they are. */
function mapGeojson(obj, move) {
  if (!obj || typeof obj !== "object") return obj;
  if (obj.type === "FeatureCollection") {
    return { ...obj, features: obj.features.map((f) => mapGeojson(f, move)) };
  }
  if (obj.type === "Feature") return { ...obj, geometry: mapGeojson(obj.geometry, move) };
  if (obj.type === "GeometryCollection") {
    return { ...obj, geometries: obj.geometries.map((g) => mapGeojson(g, move)) };
  }
  return obj.coordinates ? { ...obj, coordinates: mapPositions(obj.coordinates, move) } : obj;
}

/** Return the drawing helpers of a map in `datum` ("gcj02" shifts, anything else is WGS84):
 * {datum, latLng(lat, lon) → [lat, lon] as drawn, wgs84(lat, lon) → a drawn point back in
 * WGS84 [lat, lon], geojson(obj) → obj as drawn}. */
export function create(datum) {
  const shifted = datum === "gcj02";
  const move = shifted ? toGcj02 : (lon, lat) => [lon, lat];
  const back = shifted ? toWgs84 : (lon, lat) => [lon, lat];
  return {
    datum: shifted ? "gcj02" : "wgs84",
    latLng(lat, lon) { const p = move(lon, lat); return [p[1], p[0]]; },
    wgs84(lat, lon) { const p = back(lon, lat); return [p[1], p[0]]; },
    geojson(obj) { return shifted ? mapGeojson(obj, move) : obj; },
  };
}
