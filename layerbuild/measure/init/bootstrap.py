"""The first Python the sandboxed interpreter runs (sandbox.py writes it outside every folder on sys.path).

It is run as `python -B -S -s -E BOOTSTRAP SYS_PATH READ_ONLY SCRIPT [ARGS...]` and, before the script:
- sets `sys.path` to SYS_PATH (os.pathsep-separated: Lambda's order) followed by the standard library
  (the interpreter's own entries; `-S` already left out this machine's site-packages);
- installs an audit hook (PEP 578; a hook cannot be removed) that
  - refuses, with `OSError(EROFS)` as Lambda's read-only /var/task and /opt do, every write under the
    READ_ONLY folders: open for writing, mkdir, remove, rename, chmod, ... (this holds for root, whom file
    modes do not stop);
  - refuses every network connection and name lookup to a host that is not loopback, with
    `OSError(ENETUNREACH)`: init must not reach the network in a measurement (it would measure the
    network), and a handler that tries is reported (Python's socket module; a C library opening its own
    sockets is not seen);
  each refusal is also written to stderr as one `@@layerbuild-sandbox KIND DETAIL` line;
- runs SCRIPT as `__main__` with `sys.argv = [SCRIPT, *ARGS]`.
It imports nothing beyond what the interpreter loaded at start-up (`sys`, `os`; `errno` is built in), so
`-X importtime` shows only the script's own imports after it.
"""

BOOTSTRAP = r"""
import sys, os, errno

def _layerbuild_setup():
    paths = [p for p in sys.argv[1].split(os.pathsep) if p]
    read_only = tuple(os.path.join(p, "") for p in sys.argv[2].split(os.pathsep) if p)
    script = sys.argv[3]
    stdlib = [p for p in sys.path[1:] if p not in paths]
    sys.path[:] = paths + stdlib
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    path_events = {"os.mkdir", "os.remove", "os.rmdir", "os.rename", "os.replace", "os.symlink", "os.link",
                   "os.chmod", "os.chown", "os.utime", "os.truncate", "os.removexattr", "os.setxattr"}
    net_events = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
                  "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"}

    def report(kind, detail):
        try:
            os.write(2, ("\n@@layerbuild-sandbox %s %s\n" % (kind, detail)).encode("utf-8", "replace"))
        except OSError:
            pass

    def under_read_only(path):
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return False
        full = os.path.join(os.path.abspath(path), "")
        return full.startswith(read_only)

    def loopback(host):
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host is None or not isinstance(host, str):
            return True  # not an internet address (AF_UNIX path, netlink, ...)
        host = host.strip("[]").lower()
        return host in ("", "localhost", "::1", "0.0.0.0", "::") or host.startswith("127.") or host.endswith(".localhost")

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            writes = (isinstance(flags, int) and flags & write_flags) or (
                isinstance(mode, str) and any(c in mode for c in "wax+"))
            if writes and under_read_only(path):
                report("read-only", path)
                raise OSError(errno.EROFS, "Read-only file system", path)
        elif event in path_events:
            for path in args[:2] if event in ("os.rename", "os.replace", "os.symlink", "os.link") else args[:1]:
                if under_read_only(path):
                    report("read-only", path)
                    raise OSError(errno.EROFS, "Read-only file system", path)
        elif event in net_events:
            if event.startswith("socket.geth") or event == "socket.getaddrinfo":
                host, port = args[0], (args[1] if event == "socket.getaddrinfo" else "")
            else:
                address = args[1]
                if not isinstance(address, tuple):
                    return
                host, port = address[0], address[1] if len(address) > 1 else ""
            if not loopback(host):
                where = "%s:%s" % (host, port) if port not in ("", None) else str(host)
                report("network", where)
                raise OSError(errno.ENETUNREACH, "Network is unreachable (layerbuild sandbox: no network at init)",
                              where)

    sys.addaudithook(hook)
    sys.argv[:] = [script] + sys.argv[4:]
    with open(script, "rb") as f:
        return compile(f.read(), script, "exec")

_layerbuild_code = _layerbuild_setup()
del _layerbuild_setup
__file__ = sys.argv[0]
exec(_layerbuild_code)
"""
