"""Customers, their identities on every channel, organizations and timelines."""
