"""`python -m layerbuild`: the same command as `layerbuild` (for when the script is not on PATH)."""

from layerbuild.cli import main

if __name__ == "__main__":
    main()
