"""riskmap: offline-first community public-safety risk mapping (风险四色图).

The package is a Qt-free core (``io`` → ``core`` → ``export``) with two thin
front-ends, the ``riskmap`` command line and the ``riskmap.gui`` desktop app.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
