"""红色驿站 and 暖蜂驿站·工会驿站: the public nearest search and staff upkeep."""
