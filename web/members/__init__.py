"""Members on the web: the member API, /members and its map, 账号关联, `flask members`."""
