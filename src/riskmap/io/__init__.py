"""Loading and validating input layers: vectors, rasters, hazard specs, results."""
