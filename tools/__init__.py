"""Checks run by ``make lint`` over the sources (not shipped with the package)."""
