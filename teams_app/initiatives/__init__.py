"""Initiatives: carried by teams from idea to sustained practice."""
