"""GET /api/v1/grids/export: the current grids as a file download."""

from __future__ import annotations

from flask import Response, request

from grids.exporter import export_grids
from web.api import bp
from web.db import get_session


@bp.get("/grids/export")
def grids_export() -> Response:
    """Return current grids (EPSG:4326) as GeoJSON, GeoPackage or zipped Shapefile; 400 if bad."""
    result = export_grids(get_session(), request.args.get("format", "geojson"))
    return Response(
        result.data,
        mimetype=result.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
