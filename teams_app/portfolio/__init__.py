"""The leadership portfolio: where we are, what is stuck, and whether it works."""
