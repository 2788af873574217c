"""Facts about Lambda and its runtimes, as data with their sources. Imports nothing of ours."""
