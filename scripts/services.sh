#!/usr/bin/env bash
# Installs and starts what the tests need on a Debian machine (as root): each step is skipped when done.
# Sections are added by the features that need them (Docker engine, Chromium).
set -euo pipefail

# --- Chromium (headless), for the HTML report tests (tests/fixtures/browser.py) ---
if [ ! -x /usr/bin/chromium ]; then
    echo "services: installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# --- Docker engine + stand-in base image, for the container backend tests (tests/fixtures/docker.py) ---
# Our machines have no bridge, no registry access and only the docker client: dockerd runs without a
# bridge and containers use host networking. The stand-in for the SAM build image is a Debian root
# filesystem with python3 and a compiler (as the SAM images have), made by debootstrap, since no image
# can be pulled. Each step is skipped when already done, so a second run takes about a second.
docker_section() {
    local image="${LAYERBUILD_TEST_IMAGE:-layerbuild-test-base:py311}"
    local suite="${LAYERBUILD_TEST_SUITE:-bookworm}"
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
        echo "services: installing docker.io and debootstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
    fi
    if ! timeout 10 docker version >/dev/null 2>&1; then
        echo "services: starting dockerd"
        # A previous engine killed with its session leaves its pid file behind; dockerd refuses to start then.
        rm -f /var/run/docker.pid
        # setsid: the engine outlives this script without holding its terminal.
        setsid dockerd --bridge=none --iptables=false --ip-masq=false >/tmp/dockerd.log 2>&1 </dev/null &
        local i
        for i in $(seq 1 60); do
            if timeout 5 docker version >/dev/null 2>&1; then break; fi
            sleep 1
        done
        if ! timeout 10 docker version >/dev/null 2>&1; then
            echo "services: dockerd did not start, see /tmp/dockerd.log" >&2
            return 1
        fi
    fi
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        echo "services: building stand-in image $image with debootstrap ($suite)"
        # The mirror is the one this machine's apt uses (first URIs: line), so it works behind mirrors.
        local mirror rootfs
        mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
        mirror="${mirror:-http://deb.debian.org/debian}"
        rootfs="$(mktemp -d /tmp/layerbuild-rootfs.XXXXXX)"
        if ! debootstrap --variant=minbase \
                --include=python3,python3-pip,python3-venv,python3-dev,gcc,libc6-dev \
                "$suite" "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1; then
            echo "services: debootstrap failed, see /tmp/debootstrap.log" >&2
            rm -rf "$rootfs"
            return 1
        fi
        tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
        rm -rf "$rootfs"
    fi
    echo "services: docker engine up, image $image present"
}
docker_section

# --- C compiler, for the native-code verification tests (tests/unit/test_verify.py compiles tiny .so files) ---
if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/fcntl.h ]; then
    echo "services: installing gcc and libc6-dev"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
fi

echo "services: ready"
