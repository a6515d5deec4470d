"""Community resilience index: entropy and AHP weights, TOPSIS scores."""
