"""Surveys: build a questionnaire, take answers from staff (signed in) and customers (a public
link, a poster's QR code, a kiosk), and close it into satisfaction results.

services.py holds the rules, routes.py the staff pages, public.py the customer pages; the models
are in teams_app/models/surveys.py (their docstring describes waves, versions and anonymity).
"""
