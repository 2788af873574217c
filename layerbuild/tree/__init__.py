"""The staging tree: one walk, its distributions, RECORD upkeep and removals (`TreeIndex`)."""
