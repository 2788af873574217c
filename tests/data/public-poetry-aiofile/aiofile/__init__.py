from .aio import AIOFile
from .utils import (
    BinaryFileWrapper, FileIOWrapperBase, LineReader, Reader, TextFileWrapper,
    Writer, async_open,
)
from .version import (
    __author__, __version__, author_info, package_info, package_license,
    project_home, team_email, version_info,
)


__all__ = (
    "AIOFile",
    "BinaryFileWrapper",
    "FileIOWrapperBase",
    "LineReader",
    "Reader",
    "TextFileWrapper",
    "Writer",
    "__author__",
    "__version__",
    "async_open",
    "author_info",
    "package_info",
    "package_license",
    "project_home",
    "team_email",
    "version_info",
)
