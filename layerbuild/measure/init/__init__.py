"""The function's init as Lambda runs it: a Lambda-like sandbox (sandbox.py), the CPU quota of a memory
size (cpu_quota.py), the runtime's own SDK (runtime_sdk_dir.py), and the measurement of a handler's init
built on them."""
