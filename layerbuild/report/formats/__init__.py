"""Report output formats: one module per format; they only render what they are given."""
