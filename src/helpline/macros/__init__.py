"""Canned replies with safe placeholders, macros (a reply plus field changes in one step) and
agents' saved inbox views."""
