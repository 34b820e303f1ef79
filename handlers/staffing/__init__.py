"""Staffing: who is asked to facilitate a request, when, and what they are told."""
