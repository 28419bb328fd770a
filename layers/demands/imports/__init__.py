"""History imports from the hotline system: read, check, binary COPY."""
