/* gridgov Leaflet loader (ES module): Leaflet stays the vendored classic script (window.L),
 * loaded once per page — by folium's header on map pages; pages that need a map only now and
 * then (/report's tap-on-the-map fallback) load it here, once. */

let loading = null;

/** Resolve when window.L is there, adding Leaflet's script (`jsUrl`) and CSS (`cssUrl`) to the
 * page the first time; reject when the script cannot be loaded. */
export function loadLeaflet(jsUrl, cssUrl) {
  if (window.L) return Promise.resolve(window.L);
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = cssUrl;
    document.head.appendChild(css);
    const js = document.createElement("script");
    js.src = jsUrl;
    js.onload = () => resolve(window.L);
    js.onerror = () => { loading = null; reject(new Error("Leaflet 加载失败")); };
    document.head.appendChild(js);
  });
  return loading;
}
