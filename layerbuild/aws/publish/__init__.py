"""Publish layer zips as Lambda layer versions: only when the content changed, to many regions at once.

No state store: Lambda reports `CodeSha256` (base64 SHA-256 of the zip) for every layer version, so the
newest version of the layer is compared with the zip; equal content (and the same compatible runtimes and
architectures) means "unchanged": nothing is published and the existing ARN is reported.

Two phases, so a failure is found before anything is written wherever it can be:
  1. inspect every region in parallel (read-only): credentials, access, newest version, the S3 bucket;
  2. publish in every region in parallel (upload, publish, permissions, SSM parameter).
If a region fails in phase 2, the error names exactly what was done in the others.

This package knows zips and targets, not how a zip was built; boto3 is imported inside functions.
  jobs.py         what to publish (zip, compatibility, options), checked before any call; what comes back
  inspect.py      phase 1: each region's newest version compared with the zip, the S3 bucket checked
  upload.py       phase 2: the zip uploaded (S3 or inline) and the layer version published
  permissions.py  phase 2: layer-version permissions (accounts, organization, public)
  ssm.py          phase 2: the newest ARN written to an SSM parameter
  run.py          both phases over every region, and the one line that says what was done where
"""

from __future__ import annotations
