"""The script the sandbox runs to measure a handler's init (argv: HANDLER [EVENT_FILE]).

Lambda's runtime turns `src/app.handler` into module `src.app` and attribute `handler`, imports the
module and resolves the attribute: that is init, timed here with `time.perf_counter` around exactly that.
Markers on stderr bracket it, so that `-X importtime` lines between them are init's own imports (not the
interpreter's start-up). Afterwards, with an event file, the handler is invoked once with a Lambda-like
context. One result line goes to stdout after `RESULT_MARK`, as JSON:
`{"ok": true, "init_ms": .., "modules": [[name, file, bytes], ..], "invoke_ms": .., "invoke_error": ..}`
or `{"ok": false, "kind": "import"|"attribute"|"not-callable", "error": one line}`.
Nothing but `sys`/`time` is imported before init ends (both loaded at start-up), so init's numbers hold
only the handler's imports.
"""

START_MARK = "@@layerbuild-init-start"
END_MARK = "@@layerbuild-init-end"
RESULT_MARK = "@@layerbuild-init-result "

PROBE = r'''
import sys, time
handler = sys.argv[1]
event_file = sys.argv[2] if len(sys.argv) > 2 else ""
module_name, _, attr = handler.rpartition(".")
module_name = module_name.replace("/", ".")
before = set(sys.modules)
sys.stderr.write("\n@@layerbuild-init-start\n"); sys.stderr.flush()
t0 = time.perf_counter()
failure = None
try:
    __import__(module_name)
except BaseException as exc:
    failure = ("import", None, exc)
else:
    try:
        fn = getattr(sys.modules[module_name], attr)
    except AttributeError:
        failure = ("attribute", "module %s has no attribute %r" % (module_name, attr), None)
t1 = time.perf_counter()
sys.stderr.write("\n@@layerbuild-init-end\n"); sys.stderr.flush()
import json, os, traceback

def own_line(exc):
    """The exception's own line, and where the user's code raised it (the innermost frame under the task root)."""
    text = traceback.format_exception_only(type(exc), exc)[-1].strip().replace("\n", " ")
    root = os.path.join(os.environ.get("LAMBDA_TASK_ROOT", ""), "")
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(root):
            where = "%s line %s" % (frame.filename[len(root):], frame.lineno)
    return (where + ": " if where else "") + text[:500]

if failure is None and not callable(fn):
    failure = ("not-callable", "%s.%s is a %s, not a function" % (module_name, attr, type(fn).__name__), None)
if failure is not None:
    kind, message, exc = failure
    print("@@layerbuild-init-result " + json.dumps({"ok": False, "kind": kind, "error": message or own_line(exc)}))
    sys.exit(3)
modules = []
for name in sorted(set(sys.modules) - before):
    mod = sys.modules.get(name)
    path = getattr(mod, "__file__", None) or ""
    size = 0
    if path:
        cached = getattr(mod, "__cached__", None)
        for candidate in ((cached, path) if cached else (path,)):
            try:
                size = os.stat(candidate).st_size
                break
            except (OSError, TypeError):
                continue
    modules.append([name, path, size])
result = {"ok": True, "init_ms": (t1 - t0) * 1000, "modules": modules, "invoke_ms": None, "invoke_error": None}
if event_file:
    class LambdaContext:
        function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        invoked_function_arn = "arn:aws:lambda:%s:123456789012:function:%s" % (
            os.environ.get("AWS_REGION", "us-east-1"), function_name)
        aws_request_id = "00000000-0000-4000-8000-000000000000"
        log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        identity = None
        client_context = None
        _deadline = time.monotonic() + 900
        def get_remaining_time_in_millis(self):
            return max(0, int((self._deadline - time.monotonic()) * 1000))
    with open(event_file, encoding="utf-8") as f:
        event = json.load(f)
    t2 = time.perf_counter()
    try:
        fn(event, LambdaContext())
    except BaseException as exc:
        result["invoke_error"] = own_line(exc)
    result["invoke_ms"] = (time.perf_counter() - t2) * 1000
print("@@layerbuild-init-result " + json.dumps(result))
'''
