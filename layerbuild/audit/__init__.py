"""Budgets and checks over a layer, findings and exit codes."""
