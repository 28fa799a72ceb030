"""Staff: the directory, profiles, departments and account administration."""
