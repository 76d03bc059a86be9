"""Complaints, escalation, handoff to staff, outages, circle managers."""
