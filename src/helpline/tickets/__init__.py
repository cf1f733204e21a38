"""Tickets: the conversation log of messages and lifecycle events, and its state."""
