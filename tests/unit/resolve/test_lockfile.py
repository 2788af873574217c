"""The lock file round-trips, and the installer is told exactly which wheel to take (resolve/lockfile.py)."""

from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.resolve.lockfile import install_text, lock_text, parse_lock_text

AL2 = Target("python3.11", "x86_64")
PINS = (
    Pin("duckdb", "1.1.0", ("sha256:" + "a" * 64, "sha256:" + "b" * 64), direct=True),
    Pin("six", "1.17.0", ("sha256:" + "c" * 64,), markers='python_version >= "3"', required_by=("python-dateutil",)),
    Pin("python-dateutil", "2.9.0.post0", ("sha256:" + "d" * 64,), direct=True),
)


def test_a_written_lock_reads_back_as_the_same_pins_and_names_its_target():
    lock = Lock(AL2, PINS, build_from_source=("six",))
    pins, header = parse_lock_text(lock_text(lock))
    assert sorted(pins, key=lambda p: p.name) == sorted(PINS, key=lambda p: p.name)
    assert header == {"runtime": "python3.11", "arch": "x86_64", "wheels": "checked", "build-from-source": "six"}


def test_names_in_a_lock_are_canonical_whatever_the_file_wrote():
    pins, _ = parse_lock_text("Python_Dateutil==2.9.0 \\\n    --hash=sha256:" + "d" * 64 + "\n    # via Some.Package\n")
    assert pins[0].name == "python-dateutil" and pins[0].required_by == ("some-package",)
    assert Lock(AL2, tuple(pins)).get("PYTHON_dateutil") is pins[0]
    assert Lock(AL2, tuple(pins)).pin("python.dateutil") is pins[0]


def test_a_pin_installed_from_a_wheel_url_carries_only_that_wheels_hash():
    url = "https://files.example/duckdb-1.1.0-cp311-cp311-manylinux_2_24_x86_64.whl"
    text = install_text(Lock(AL2, PINS), frozenset({"six"}), {"duckdb": f"{url}#sha256={'b' * 64}"})
    assert text.splitlines() == [
        f"duckdb @ {url} --hash=sha256:{'b' * 64}",
        f"python-dateutil==2.9.0.post0 --hash=sha256:{'d' * 64}",
    ]
