"""Shared plumbing: settings, database, errors, pagination, actors."""
