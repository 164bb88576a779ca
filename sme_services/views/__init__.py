"""Screens of the proximity service, one module per sub-domain."""
