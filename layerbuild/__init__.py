"""layerbuild: AWS Lambda layers for Python, correct for the target runtime, small and fast to start."""

__version__ = "0.1.0"
