"""Grid members: positions, duty, logins, service days, the member map's data."""
