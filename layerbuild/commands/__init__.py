"""One module per command; `cli.COMMANDS` maps names to them."""
