"""`ContainerCompiler`: bytecode compiled by the build image's own Python (the bytecode stage's Compiler
protocol), for targets whose Python this machine lacks and for `--backend container`. The tree is copied
to /opt/python in the container, where Lambda mounts it, so the code objects' file names are exactly
the ones Lambda shows in tracebacks; only the .pyc files come back into the tree."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from layerbuild.errors import EnvironmentProblem
from layerbuild.install.container.box import telling_line
from layerbuild.install.container.session import image_session
from layerbuild.model.target import Target


class ContainerCompiler:
    def __init__(self, image: str, target: Target, network: str | None = None) -> None:
        self.image = image
        self.target = target
        self.network = network
        self._version: str | None = None

    def _purpose(self) -> str:
        return f"compiling bytecode for {self.target.runtime} in {self.image} needs Docker"

    def version(self) -> str:
        if self._version is None:
            with image_session(self.image, self.target, self._purpose(), self.network) as (box, python):
                _, out = box.run([python, "-c", "import platform; print(platform.python_version())"], check=True)
            self._version = out.strip().splitlines()[-1]
        return self._version

    def compile(self, tree: Path, sourceless: bool) -> None:
        from layerbuild.bytecode.compilers import LAMBDA_LAYER_PATH, compileall_args

        args = compileall_args(LAMBDA_LAYER_PATH, sourceless)
        with image_session(
            self.image, self.target, self._purpose(), self.network, environment={"PYTHONHASHSEED": "0"}
        ) as (box, python):
            parent = str(PurePosixPath(LAMBDA_LAYER_PATH).parent)
            box.put_tree(tree, parent, PurePosixPath(LAMBDA_LAYER_PATH).name)
            code, output = box.run([python, *args, LAMBDA_LAYER_PATH])
            # compileall exits 1 when a file has a syntax error: that file stays uncompiled, as locally.
            if code not in (0, 1):
                raise EnvironmentProblem(
                    f"compiling bytecode in {self.image} failed ({telling_line(output)}): use --bytecode none"
                )
            box.copy_out(LAMBDA_LAYER_PATH, tree, only_suffix=".pyc")
