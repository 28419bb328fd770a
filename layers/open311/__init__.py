"""Open311 GeoReport v2 over the service list: views, API keys, posted requests."""
