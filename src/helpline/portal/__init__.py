"""Customer portal sign-in: single-use, expiring sign-in links sent by email on request."""
