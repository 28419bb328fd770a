"""Stations on the web: the public station API, 驿站管理 pages, the station map layer."""
