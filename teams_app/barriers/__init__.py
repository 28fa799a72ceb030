"""Barriers to good service and the actions taken against them."""
