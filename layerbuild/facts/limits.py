"""Lambda's size and count limits for layers and functions.

Source: AWS docs "Lambda quotas" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
- 5 layers per function;
- 250 MB unzipped for the function and all its layers together (262,144,000 bytes, as the error
  "Unzipped size must be smaller than 262144000 bytes" says);
- 50 MB zipped for a direct upload (`PublishLayerVersion`/`CreateFunction` with ZipFile); larger
  packages go through S3.
`layerbuild build --max-unzipped` lowers the unzipped budget a layer may take (the function's own code
and other layers share the 250 MB); `--bytecode auto` keeps a layer that fits without .pyc within it.
"""

MAX_LAYERS_PER_FUNCTION = 5
MAX_UNZIPPED_BYTES = 262_144_000
MAX_DIRECT_UPLOAD_ZIPPED_BYTES = 50 * 1024 * 1024

# Memory and CPU. Source: AWS docs "Configure Lambda function memory"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): memory from 128 MB to
# 10,240 MB in 1 MB steps; CPU is allocated in proportion to memory, and at 1,769 MB a function has the
# equivalent of one vCPU (up to 6 vCPUs at 10,240 MB).
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
MEMORY_MB_PER_VCPU = 1_769

# The init phase may take at most 10 s; past that Lambda retries init inside the first invoke, under the
# function's timeout. Source: AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase" (2025).
MAX_INIT_MS = 10_000
