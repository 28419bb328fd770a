"""The service list: intake, fields, store, duplicates, state machine, events, photos, taxonomy."""
