"""The report format seam: one small abstract class; one module per format."""

from __future__ import annotations

import abc

from layerbuild.model.report import LayerReport


class Format(abc.ABC):
    """Renders a LayerReport to text.

    Contract: a format renders only the data it is given — it never installs, resolves, measures or
    calls AWS — and always renders, also for an empty layer. Machine formats are stable: fields are
    added, never renamed.
    """

    name: str = "format"

    @abc.abstractmethod
    def render(self, report: LayerReport) -> str:
        """The whole report as text."""
