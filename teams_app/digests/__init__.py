"""Progress digests: who is due, what goes in, and the delivery ledger."""
