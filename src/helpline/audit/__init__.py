"""The immutable audit log: who changed what, before and after."""
