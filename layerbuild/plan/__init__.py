"""Which packages go in which layer for many functions."""
