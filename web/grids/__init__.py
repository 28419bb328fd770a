"""The grids on the web: /map, /grids/<code>, the locate/grid API and export, `flask grids`."""
