"""The demo city's people, stations, service days, positions and demand backlog."""
