"""Community resilience index: entropy and AHP weights, TOPSIS scores (domain.md §5)."""

from riskmap.resilience.index import ResilienceResult, run_resilience
from riskmap.resilience.report import write_resilience

__all__ = ["ResilienceResult", "run_resilience", "write_resilience"]
