"""Escalation tiers, customer escalation requests, team leads, and goodwill authority limits."""
