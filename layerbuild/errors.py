"""Errors a user can cause or fix. The CLI prints their one-line message and exits with `exit_code`."""


class LayerbuildError(Exception):
    """Bad input or environment: one line that names the problem and what to do."""

    exit_code = 2


class InputError(LayerbuildError):
    """A file, option or requirement the user gave cannot be used."""


class ResolutionError(LayerbuildError):
    """The requirements have no solution for the target."""


class NoCompatibleWheelError(ResolutionError):
    """A package has no wheel that runs on the target and cannot be built here."""


class LockedSdistsNeeded(NoCompatibleWheelError):
    """Locked pins that have no wheel for the target but whose locked sdist can be built (`names`): the
    auto backend builds them (in the build container when they compile); others report the message."""

    def __init__(self, message: str, names: tuple[str, ...]) -> None:
        super().__init__(message)
        self.names = names


class InstallError(LayerbuildError):
    """Installing the locked packages failed."""


class EnvironmentProblem(LayerbuildError):
    """A tool or service layerbuild needs is missing or not answering."""


class DockerUnavailable(EnvironmentProblem):
    """A build needs the container backend and no Docker engine answers."""


class FindingsError(LayerbuildError):
    """Checks found problems in the result (exit 1): audit findings, a failed import smoke test."""

    exit_code = 1
