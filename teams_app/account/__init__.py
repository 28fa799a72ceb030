"""A person's own account: profile, password and API tokens."""
