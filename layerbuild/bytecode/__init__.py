"""Unchecked-hash .pyc compiled by an interpreter of the target's minor version."""
