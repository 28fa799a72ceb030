"""Satisfaction survey results: record them one by one or import a CSV, chart them over time."""
