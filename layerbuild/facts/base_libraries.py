"""Shared libraries the Lambda Python runtimes already have, so a layer's native code may need them.

Source: the packages of the AWS Lambda base images for Python — `public.ecr.aws/lambda/python:3.10`
and `:3.11` (Amazon Linux 2) and `:3.12`+ (Amazon Linux 2023, built from the AL2023 minimal image) —
as published in github.com/aws/aws-lambda-base-images; the file names are those the RPMs install in
/lib64 and /usr/lib64 (glibc, libgcc, libstdc++, zlib, openssl-libs, libffi, expat, bzip2-libs,
xz-libs, sqlite-libs, libuuid, ncurses-libs, libxcrypt/glibc libcrypt, libselinux, pcre/pcre2,
libcap, libacl, libattr, gmp, keyutils-libs, krb5-libs, libcom_err, libcurl(-minimal), libnghttp2),
plus the runtime's own libpython in /var/lang/lib.

The images cannot be pulled on our machines, so this list was not re-read from an image here: it keeps
to libraries every Amazon Linux minimal image carries. A library that is missing from it is reported,
and a project that knows better adds names with `provided-libraries` in `[tool.layerbuild.audit]`.
Note what is NOT here on purpose: X11/GL/GLib (libX11.so.6, libGL.so.1, libgthread-2.0.so.0), which
manylinux wheels may assume but Lambda lacks — the reason `opencv-python` fails where
`opencv-python-headless` works.
"""

from __future__ import annotations

# glibc's libraries (both OSes), by soname.
_GLIBC = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "libpthread.so.0",
        "librt.so.1",
        "libutil.so.1",
        "libresolv.so.2",
        "libanl.so.1",
        "libnss_files.so.2",
        "libnss_dns.so.2",
        "libBrokenLocale.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "libmvec.so.1",
        "libcrypt.so.1",
    }
)

_COMMON = frozenset(
    {
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libz.so.1",
        "libexpat.so.1",
        "libbz2.so.1",
        "liblzma.so.5",
        "libsqlite3.so.0",
        "libuuid.so.1",
        "libselinux.so.1",
        "libcap.so.2",
        "libacl.so.1",
        "libattr.so.1",
        "libgmp.so.10",
        "libkeyutils.so.1",
        "libkrb5.so.3",
        "libgssapi_krb5.so.2",
        "libk5crypto.so.3",
        "libkrb5support.so.0",
        "libcom_err.so.2",
        "libcurl.so.4",
        "libnghttp2.so.14",
    }
)

# OS name (as in targets.RUNTIMES) -> sonames present in that base image.
BASE_LIBRARIES: dict[str, frozenset[str]] = {
    "Amazon Linux 2": _GLIBC
    | _COMMON
    | frozenset(
        {
            "libnsl.so.1",  # still part of glibc 2.26
            "libssl.so.10",
            "libcrypto.so.10",  # openssl-libs 1.0.2k
            "libffi.so.6",
            "libtinfo.so.6",
            "libncursesw.so.6",
            "libreadline.so.6",
            "libpcre.so.1",
        }
    ),
    "Amazon Linux 2023": _GLIBC
    | _COMMON
    | frozenset(
        {
            "libssl.so.3",
            "libcrypto.so.3",  # openssl-libs 3
            "libffi.so.8",
            "libtinfo.so.6",
            "libncursesw.so.6",
            "libpcre2-8.so.0",
        }
    ),
}


def provided_libraries(os_name: str, python_version: str) -> frozenset[str]:
    """Sonames a layer's native code may load without shipping them, on this OS and Python."""
    libpython = frozenset({f"libpython{python_version}.so.1.0", f"libpython{python_version}.so"})
    return BASE_LIBRARIES.get(os_name, _GLIBC) | libpython
