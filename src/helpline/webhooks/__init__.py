"""Outgoing webhooks: signed HTTP callbacks for domain events, delivered from the outbox."""
