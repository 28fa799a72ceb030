"""Signing in and out, password resets, invitations and optional self sign-up."""
