"""Community resilience index: entropy/AHP weights, TOPSIS (docs/DOMAIN.md §5)."""

from riskmap.resilience.index import ResilienceResult, run_resilience
from riskmap.resilience.report import write_resilience

__all__ = ["ResilienceResult", "run_resilience", "write_resilience"]
