"""Slimming: rules as data applied to the tree, each removal recorded."""
