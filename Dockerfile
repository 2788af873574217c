# layerbuild in a Lambda build image. Two uses (README, "Docker"):
#   1. the build image for `--backend container` (it is the SAM build image plus layerbuild);
#   2. running layerbuild in CI: docker run --rm -v "$PWD:/work" IMAGE layerbuild build requirements.txt
# Build (BuildKit; the `ca` secret is optional, for TLS-intercepting proxies):
#   DOCKER_BUILDKIT=1 docker build --secret id=ca,src=/path/to/ca.pem \
#       --build-arg BASE_IMAGE=public.ecr.aws/sam/build-python3.13:latest-x86_64 -t layerbuild:py313 .
# No `# syntax=` line on purpose: BuildKit would pull that frontend image, which offline machines cannot.
ARG BASE_IMAGE=public.ecr.aws/sam/build-python3.12:latest-x86_64
FROM ${BASE_IMAGE}

COPY pyproject.toml README.md /tmp/layerbuild-src/
COPY layerbuild /tmp/layerbuild-src/layerbuild

# layerbuild and uv live in their own venv; only their commands go on PATH, so the image's python and
# pip stay exactly the base image's (the container backend builds sdists with them). The CA secret is
# mounted for this step only and never stored in a layer of the image.
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then \
        export PIP_CERT=/run/secrets/ca SSL_CERT_FILE=/run/secrets/ca REQUESTS_CA_BUNDLE=/run/secrets/ca; \
    fi \
    && python3 -m venv /opt/layerbuild \
    && /opt/layerbuild/bin/pip install --no-cache-dir --disable-pip-version-check --quiet \
        "/tmp/layerbuild-src[docker,aws]" \
    && ln -sf /opt/layerbuild/bin/layerbuild /usr/local/bin/layerbuild \
    && ln -sf /opt/layerbuild/bin/uv /usr/local/bin/uv \
    && rm -rf /tmp/layerbuild-src \
    && layerbuild --version

WORKDIR /work
CMD ["layerbuild", "--help"]
