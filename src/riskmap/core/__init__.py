"""The risk engine: grids, exact zonal statistics, point influence, classification."""
