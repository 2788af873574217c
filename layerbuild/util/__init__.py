"""Small helpers with no Lambda knowledge: atomic writes, progress, redaction, lazy loading."""
