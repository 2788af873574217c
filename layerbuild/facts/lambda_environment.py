"""What a Lambda Python execution environment looks like to the function's init: folders, `sys.path`
order and environment variables. `measure/init/sandbox.py` lays out and runs a copy of it.

Sources:
- Folders: the function's code is unpacked at `/var/task` (LAMBDA_TASK_ROOT), layers at `/opt` in the
  order the function lists them, a later layer's file replacing an earlier one's at the same path; both
  are read-only, only `/tmp` is writable. AWS docs "Packaging your layer content" (layer paths for each
  runtime) and "Lambda execution environment" (read 2026-12-01), and ../shared/design/lambda-facts.md.
- `sys.path` order: function root, `/opt/python`, `/opt/python/lib/pythonX.Y/site-packages`, the
  runtime's own packages (its boto3), then the standard library (lambda-facts.md, "Cold start model").
- Environment variables: AWS docs "Using Lambda environment variables", table "Defined runtime
  environment variables" (read 2026-12-01). The credentials are dummies: SDK clients created at module
  scope work offline, and no real credential of the machine running layerbuild ever reaches the handler.
"""

from __future__ import annotations

TASK_ROOT = "var/task"  # relative to the sandbox's root, like /var/task
OPT = "opt"  # like /opt
RUNTIME_DIR = "var/runtime"  # like /var/runtime: the runtime's own packages (boto3 family)
TMP = "tmp"  # like /tmp, the only writable folder

# The layer folders Python looks in, in sys.path order, relative to OPT ({v}: "3.12").
LAYER_PYTHON_PATHS = ("python", "python/lib/python{v}/site-packages")

DEFAULT_REGION = "us-east-1"
DEFAULT_FUNCTION_NAME = "layerbuild-coldstart"

# Dummy credentials: what botocore needs to build clients and sign requests, never real ones.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "layerbuild-dummy-session-token",
}


def lambda_environment(
    *, runtime: str, memory_mb: int, handler: str, function_name: str, region: str, task_root: str, runtime_dir: str
) -> dict[str, str]:
    """The variables Lambda defines for a Python function (reserved ones), with dummy credentials."""
    return {
        "_HANDLER": handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]00000000000000000000000000000000",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": runtime_dir,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # No instance metadata service outside AWS: botocore must not wait on it.
        "AWS_EC2_METADATA_DISABLED": "true",
        **DUMMY_CREDENTIALS,
    }
