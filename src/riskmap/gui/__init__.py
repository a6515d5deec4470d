"""The PyQt5 desktop app: a thin shell over the Qt-free core (the only Qt package)."""
