"""The staging tree of a layer: its distributions, RECORD files, and removals."""
