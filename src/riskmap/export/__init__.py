"""Writers: RESULT.gpkg, GeoJSON, web maps and print maps. Each writes atomically."""
