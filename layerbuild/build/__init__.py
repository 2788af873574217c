"""The pipeline that runs the stages, its cache, and builds from a plan."""
