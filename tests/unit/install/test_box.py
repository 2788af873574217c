"""A build container is always removed: after the work, when the work fails, and when create fails
half-way (install/container/box.py). The engine is a stand-in that records what it is asked."""

import pytest

from layerbuild.errors import InstallError
from layerbuild.install.container.box import LABEL, BuildContainer, telling_line


class FakeContainer:
    def __init__(self, engine, name):
        self.engine, self.name = engine, name

    def start(self):
        self.engine.calls.append(("start", self.name))

    def exec_run(self, argv, environment=None, workdir=None, demux=False):
        self.engine.calls.append(("exec", tuple(argv)))
        code = 1 if argv[0] == "false" else 0
        return type("Result", (), {"exit_code": code, "output": b"error: it broke\n" if code else b"ok\n"})()

    def remove(self, force=False):
        self.engine.calls.append(("remove", self.name))
        self.engine.alive.discard(self.name)


class FakeContainers:
    def __init__(self, engine):
        self.engine = engine

    def create(self, image, name, labels, **kwargs):
        self.engine.alive.add(name)
        self.engine.labels[name] = labels
        if self.engine.fail_create:
            raise KeyboardInterrupt  # interrupted after the engine made the container
        return FakeContainer(self.engine, name)

    def list(self, all=False, filters=None):
        if "name" in (filters or {}):
            return [FakeContainer(self.engine, n) for n in sorted(self.engine.alive) if n == filters["name"]]
        return []


class FakeEngine:
    def __init__(self, fail_create=False):
        self.fail_create = fail_create
        self.calls: list = []
        self.alive: set[str] = set()
        self.labels: dict = {}
        self.containers = FakeContainers(self)


def test_the_container_is_labelled_and_removed_after_the_work():
    engine = FakeEngine()
    with BuildContainer(engine, "example/image") as box:
        assert box.run(["true"]) == (0, "ok\n")
    assert engine.alive == set()
    (labels,) = engine.labels.values()
    assert labels[LABEL] == "1" and f"{LABEL}.pid" in labels


def test_the_container_is_removed_when_the_work_fails():
    engine = FakeEngine()
    with pytest.raises(InstallError, match="false failed in example/image: error: it broke"):
        with BuildContainer(engine, "example/image") as box:
            box.run(["false"], check=True)
    assert engine.alive == set() and engine.calls[-1][0] == "remove"


def test_a_container_made_by_an_interrupted_create_is_found_by_name_and_removed():
    engine = FakeEngine(fail_create=True)
    with pytest.raises(KeyboardInterrupt):
        with BuildContainer(engine, "example/image"):
            pass
    assert engine.alive == set()


def test_the_telling_line_is_the_compilers_error_not_pips_summary():
    output = "error: subprocess-exited-with-error\nsrc/x.c:1:1: error: unknown type name 'this'\nFailed to build x\n"
    assert telling_line(output) == "src/x.c:1:1: error: unknown type name 'this'"
