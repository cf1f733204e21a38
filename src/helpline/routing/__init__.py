"""Routing: team queues, assignment modes, agent presence and capacity."""
