"""AWS failures explained in one line: which region, what we were doing, and what to do about it.

`explain` turns a botocore exception into an `AwsError` (None for an exception that is not AWS's: that
is a bug and keeps its traceback); `explained(region, doing)` does it around a block of calls. Shared by
publish, prune and the audit's CloudWatch metrics.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from layerbuild.errors import EnvironmentProblem, LayerbuildError

# Error codes meaning "these credentials may not do this", and "these credentials are not valid (any more)".
_ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "403",
    "Forbidden",
}
_BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "AuthFailure",
    "TokenRefreshRequired",
}
_THROTTLED = {
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "SlowDown",
    "429",
}
# S3's answers for a bucket or key that is not there (HEAD requests carry only the status).
_NOT_FOUND = {"404", "NotFound", "NoSuchBucket", "NoSuchKey"}


class AwsError(EnvironmentProblem):
    """AWS refused or could not be reached: the message says which region, what and what to do."""


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return str(status) if status else None
    return None


def is_access_denied(exc: BaseException) -> bool:
    return error_code(exc) in _ACCESS_DENIED


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in _NOT_FOUND


def explain(exc: BaseException, region: str, doing: str) -> AwsError | None:
    """One line for an AWS failure the user can act on; None for an exception that is not AWS's."""
    import botocore.exceptions as bx

    where = f"in {region}: {doing}"
    if isinstance(exc, bx.NoCredentialsError):
        return AwsError(
            f"no AWS credentials found {where}: configure a profile (AWS_PROFILE), environment "
            "variables or an instance role"
        )
    if isinstance(exc, (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError)):
        return AwsError(f"AWS credentials expired {where}: log in again (e.g. `aws sso login`)")
    if isinstance(exc, bx.ProfileNotFound):
        return AwsError(f"AWS profile not configured: {exc}")
    if isinstance(exc, bx.EndpointConnectionError):
        return AwsError(
            f"cannot reach AWS {where} ({exc.kwargs.get('endpoint_url', 'endpoint')}): check the "
            "network, the region and AWS_ENDPOINT_URL"
        )
    if isinstance(exc, bx.ConnectionError):
        return AwsError(f"connection to AWS failed {where}: {type(exc).__name__}: check the network and retry")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc) or "error"
        message = exc.response.get("Error", {}).get("Message") or ""
        message = message.splitlines()[0][:200] if message else ""
        if code in _BAD_CREDENTIALS:
            return AwsError(
                f"AWS credentials are expired or invalid ({code}) {where}: refresh them (log in "
                "again or export new keys)"
            )
        if code in _ACCESS_DENIED:
            return AwsError(
                f"access denied ({code}) {where}: the credentials need permission for it"
                + (f" — {message}" if message else "")
            )
        if code in _THROTTLED:
            return AwsError(
                f"AWS kept throttling ({code}) {where}, even after retries: try again later or raise AWS_MAX_ATTEMPTS"
            )
        return AwsError(f"AWS refused ({code}) {where}" + (f": {message}" if message else ""))
    if isinstance(exc, bx.BotoCoreError):
        return AwsError(f"AWS call failed {where}: {exc}")
    return None


@contextmanager
def explained(region: str, doing: str) -> Iterator[None]:
    """Run the block; an AWS failure in it becomes one AwsError line (our own errors pass through)."""
    try:
        yield
    except LayerbuildError:
        raise
    except Exception as exc:  # noqa: BLE001 - AWS errors become one line; anything else is a bug
        error = explain(exc, region, doing)
        if error is None:
            raise
        raise error from None
