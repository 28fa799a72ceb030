"""Admin pages: staff accounts, departments and job health."""
