"""The data types that flow between stages (frozen dataclasses). Imports only facts."""
