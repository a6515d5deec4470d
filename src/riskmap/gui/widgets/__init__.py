"""Widgets of the main window, one per piece of state."""
