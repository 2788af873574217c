"""The deterministic layer zip."""
