"""A SAM template read and written back as it was: comments, key order, quoting and CloudFormation's
intrinsic functions in short (`!Ref`, `!Sub`, `!GetAtt`, `!If`, `!Join`, …) or long form survive.

YAML goes through ruamel.yaml's round-trip mode (a short-form tag stays a tagged node, never a dict);
sequences are written indented under their key (`  - item`), as SAM's own templates are. A JSON template
(its first character is `{`) is read and written as JSON, keys in their order. `ref()` makes a `!Ref`
in the template's own style. ruamel.yaml is imported only when a template is written.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError


@dataclass
class Document:
    data: Any  # a ruamel CommentedMap (YAML) or a dict (JSON)
    is_json: bool
    _yaml: Any = None

    def ref(self, logical_id: str) -> Any:
        """`!Ref logical_id` as this template writes it."""
        if self.is_json:
            return {"Ref": logical_id}
        from ruamel.yaml.comments import TaggedScalar

        return TaggedScalar(value=logical_id, tag="!Ref")

    def mapping(self, items: dict[str, Any]) -> Any:
        if self.is_json:
            return dict(items)
        from ruamel.yaml.comments import CommentedMap

        return CommentedMap(items)

    def sequence(self, items: list[Any]) -> Any:
        if self.is_json:
            return list(items)
        from ruamel.yaml.comments import CommentedSeq

        return CommentedSeq(items)

    def prepend(self, seq: Any, items: list[Any], comments_of: Any = None) -> None:
        """Put `items` at the start of `seq`; in YAML the end-of-line comments of `comments_of` (the sequence
        they were copied from) come along, and `seq`'s own stay with their items."""
        for item in reversed(items):
            seq.insert(0, item)
        comments = getattr(getattr(comments_of, "ca", None), "items", None)
        if comments and not self.is_json:
            import copy

            for index, token in comments.items():
                if index < len(items):
                    seq.ca.items[index] = copy.deepcopy(token)

    def insert(self, mapping: Any, position: int, key: str, value: Any, comment: str | None = None) -> None:
        """Put `key` at `position` of `mapping` (or replace its value where it is), with a comment line
        before it in YAML."""
        if key in mapping:
            mapping[key] = value
            return
        if self.is_json:
            items = list(mapping.items())
            items.insert(position, (key, value))
            mapping.clear()
            mapping.update(items)
            return
        mapping.insert(position, key, value)
        if comment:
            mapping.yaml_set_comment_before_after_key(key, before=comment, indent=_indent_of(mapping))

    def dumps(self) -> str:
        if self.is_json:
            return json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        return out.getvalue()


def _indent_of(mapping: Any) -> int:
    """The column of `mapping`'s keys in the source (0 for a new one)."""
    lc = getattr(mapping, "lc", None)
    return int(getattr(lc, "col", 0) or 0) if lc is not None else 0


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a long !Sub string
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def load_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text: save the template as UTF-8") from None
    except OSError as exc:
        raise InputError(f"cannot read SAM template {path}: {exc.strerror}") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{path} is not valid JSON ({exc}): fix the template") from None
        doc = Document(data, True)
    else:
        from ruamel.yaml.error import YAMLError

        y = _yaml()
        try:
            data = y.load(text)
        except YAMLError as exc:
            raise InputError(f"{path} is not valid YAML ({str(exc).splitlines()[0]}): fix the template") from None
        doc = Document(data, False, y)
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("Resources"), dict):
        raise InputError(f"{path} has no Resources section: is it a SAM/CloudFormation template?")
    return doc


def describe(value: Any) -> str:
    """A short text for a template value: `!Ref X`, `!If …`, or the value itself."""
    tag = getattr(value, "tag", None)
    tag_text = getattr(tag, "value", tag)
    if tag_text:
        inner = getattr(value, "value", None)
        return f"{tag_text} {inner}" if isinstance(inner, str) else f"{tag_text} …"
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        return f"!{key.replace('Fn::', '')} {inner if isinstance(inner, str) else '…'}"
    return str(value)


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation function (short-form tag or `{"Fn::…"/"Ref": …}`), not a literal."""
    if getattr(getattr(value, "tag", None), "value", getattr(value, "tag", None)):
        return True
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("Ref", "Condition")
        or (isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("Fn::"))
    )
