"""Lambda's size and count limits for layers and functions.

Source: AWS docs "Lambda quotas" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
- 5 layers per function;
- 250 MB unzipped for the function and all its layers together (262,144,000 bytes, as the error
  "Unzipped size must be smaller than 262144000 bytes" says);
- 50 MB zipped for a direct upload (`PublishLayerVersion`/`CreateFunction` with ZipFile); larger
  packages go through S3.
"""

MAX_LAYERS_PER_FUNCTION = 5
MAX_UNZIPPED_BYTES = 262_144_000
MAX_DIRECT_UPLOAD_ZIPPED_BYTES = 50 * 1024 * 1024
