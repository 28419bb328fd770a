"""Demands on the web: the demand API, the staff pages, `flask demands` and `flask taxonomy`."""
