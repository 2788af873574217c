"""Measures any zip or folder (sizes, target, cold start, ELF); never builds or resolves."""
