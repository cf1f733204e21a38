"""Agents, admins, teams and API tokens."""
