"""Mission teams: propose, charter, join, lead and close."""
