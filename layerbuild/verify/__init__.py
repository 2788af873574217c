"""Checks of a built tree: imports in a fresh interpreter, native code against Lambda's OS."""
