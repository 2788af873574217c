"""AWS: sessions and regions, publishing layer versions, pruning old ones."""
