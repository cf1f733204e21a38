"""SLA: business hours, holiday calendars, policies and per-ticket clocks."""
