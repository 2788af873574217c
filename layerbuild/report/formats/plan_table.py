"""The plan as text: layers (packages, functions, bytes, why), functions (layers, bytes), not shared.

Plain aligned lines on a terminal and in a pipe alike: each row is one line that is never wrapped, so
`grep` finds a layer or a function with all its cells (layerbuild/terminal.py).
"""

from __future__ import annotations

from layerbuild.plan.model import LayerPlan
from layerbuild.util.terminal import columns as _columns
from layerbuild.util.units import human_bytes


def render_plan_table(plan: LayerPlan) -> str:
    lines = ["Layers"]
    rows = [["layer", "target", "unzipped", "zipped", "upload", "functions"]]
    for layer in plan.layers:
        rows.append(
            [
                layer.name,
                f"{layer.runtime} {layer.arch}",
                human_bytes(layer.unzipped_bytes),
                human_bytes(layer.zipped_bytes),
                "via S3" if layer.needs_s3 else "direct",
                ", ".join(layer.functions),
            ]
        )
    lines += ["  " + line for line in _columns(rows)]
    lines.append("")
    lines.append("Why each package is where it is")
    for layer in plan.layers:
        lines.append(f"  {layer.name}: {layer.why}")
        users = dict(layer.package_users)
        for p in layer.packages:
            lines.append(f"    {p.pin:<40} {human_bytes(p.unzipped_bytes):>9}  used by {', '.join(users[p.name])}")
    lines.append("")
    lines.append(f"Functions (limits: {plan.max_layers} layers, {plan.max_unzipped_bytes:,} bytes unzipped)")
    rows = [["function", "target", "layers", "count", "unzipped", "of limit", "unused"]]
    for f in plan.functions:
        layers = list(f.layers) + [f"(existing) {x}" for x in f.existing_layers]
        rows.append(
            [
                f.name,
                f"{f.runtime} {f.arch}",
                ", ".join(layers) or "-",
                f"{f.layer_count}/{plan.max_layers}",
                human_bytes(f.unzipped_bytes),
                f"{100 * f.unzipped_bytes / plan.max_unzipped_bytes:.0f}%",
                human_bytes(f.unused_bytes),
            ]
        )
    lines += ["  " + line for line in _columns(rows)]
    for f in plan.functions:
        if f.bundled:
            lines.append(
                f"  {f.name} bundles in its own package (no layer to spare): " + ", ".join(p.pin for p in f.bundled)
            )
    if any(f.existing_layers for f in plan.functions):
        lines.append("  (existing layers count toward the layer limit; their sizes are not known here)")
    if plan.not_shared:
        lines.append("")
        lines.append("Not shared")
        for n in plan.not_shared:
            lines.append(f"  {n.package}: {n.reason}")
    return "\n".join(lines) + "\n"
