"""Structural edits a coordinator makes from forms, not YAML: add a question to the interview, remove one.

The flow stays YAML text (its comments survive): a node's block is found by its indentation, lines are
changed or inserted, and the result is parsed and checked before it is accepted."""
from __future__ import annotations

import re

from bot.engine import Flow, FlowError

from .files import flow_data, parse_flow_text, yaml_inline

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,24}$")


class EditError(ValueError):
    """The edit cannot be made; the message says why, in words for a coordinator."""


def _block(lines: list[str], node_id: str) -> tuple[int, int]:
    """The [start, end) line range of a node's block under `nodes:` (two-space indented key)."""
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"  {node_id}:"), None)
    if start is None:
        raise EditError(f"the step {node_id!r} is not written in the usual form; edit the structure by hand")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith("    ")
                                or lines[end].lstrip().startswith("#") and lines[end].startswith("   ")):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


def _set_line(lines: list[str], start: int, end: int, name: str, value: str) -> None:
    for i in range(start, end):
        if re.match(rf"^    {name}:\s", lines[i]):
            lines[i] = f"    {name}: {value}"
            return
    raise EditError(f"the step has no {name!r} line in the usual form; edit the structure by hand")


def _fields(lines: list[str], flow: Flow, change) -> None:
    """Apply change(list of fields) to every submit node's one-line `fields: [...]`."""
    for node in flow.nodes.values():
        if node.type == "submit" and node.fields:
            start, end = _block(lines, node.id)
            for i in range(start, end):
                found = re.match(r"^    fields:\s*\[(.*)\]\s*$", lines[i])
                if found:
                    names = [n.strip() for n in found.group(1).split(",") if n.strip()]
                    lines[i] = f"    fields: [{', '.join(change(names))}]"
                    break
            else:
                raise EditError(f"the step {node.id!r} lists its fields in another form; edit the structure by hand")


def _parse(text: str) -> Flow:
    try:
        return parse_flow_text(text, "draft")
    except FlowError as exc:
        raise EditError(f"the result would not be valid ({exc.path}: {exc.message}); edit the structure by hand") \
            from None


def add_question(text: str, after: str, name: str) -> tuple[str, str]:
    """Insert a new question `ask_<name>` (field <name>) after question `after`; return (new text, text key).

    A name that already starts with ask_ (as the steps are shown) is taken without it: ask_papers -> papers."""
    name = name.removeprefix("ask_")
    if not NAME_RE.match(name):
        raise EditError("a name has 2-25 lowercase letters, digits or _, starting with a letter (e.g. car)")
    flow = _parse(text)
    node = flow.nodes.get(after)
    if node is None or node.type != "question":
        raise EditError("a new question goes after an interview question")
    new_id, key = f"ask_{name}", f"flows.ask_{name}"
    if new_id in flow.nodes or any(n.field == name for n in flow.nodes.values()):
        raise EditError(f"there is already a question called {name!r}")
    lines = text.split("\n")
    start, end = _block(lines, after)
    _set_line(lines, start, end, "next", new_id)
    lines[end:end] = ["", f"  {new_id}:", "    type: question", f"    prompt: {key}", f"    field: {name}",
                      f"    next: {node.next}"]
    _fields(lines, flow, lambda names: names[:names.index(node.field) + 1] + [name] + names[names.index(
        node.field) + 1:] if node.field in names else names + [name])
    result = "\n".join(lines)
    _parse(result)
    return result, key


def remove_question(text: str, node_id: str) -> tuple[str, str]:
    """Take question `node_id` out of the interview (the step before it goes straight to the one after it);
    return (new text, the removed question's text key)."""
    flow = _parse(text)
    node = flow.nodes.get(node_id)
    if node is None or node.type != "question":
        raise EditError("only interview questions can be removed here")
    if node_id in flow.intents.values() or any(o.next == node_id for n in flow.nodes.values() for o in n.options):
        raise EditError("this question starts the interview; change where the interview starts by hand first")
    before = [n for n in flow.nodes.values() if n.next == node_id or n.wait_at == node_id]
    lines = text.split("\n")
    for previous in before:
        start, end = _block(lines, previous.id)
        _set_line(lines, start, end, "next" if previous.next == node_id else "wait_at", node.next or "")
    start, end = _block(lines, node_id)
    while start > 0 and not lines[start - 1].strip():
        start -= 1
    del lines[start:end]
    _fields(lines, flow, lambda names: [n for n in names if n != (node.field or node.id)])
    result = "\n".join(lines)
    _parse(result)
    return result, node.prompt or ""


# --- the vocabulary page: the flow's own word lists, one textarea per group ---------------------------------------
# Each group and where it lives under `keywords:` in the flow's YAML.
VOCABULARY = {
    "emergency_words": ("emergency", "words"),
    "emergency_phrases": ("emergency", "phrases"),
    "stop": ("stop",),
    "stop_phrases": ("stop_phrases",),
    "immigration": ("immigration",),
    "slang": ("slang",),
    "streets": ("streets",),
}
_SLANG_SIGN = "="


class VocabularyError(EditError):
    """A vocabulary edit cannot be saved: code and params say why (the dashboard shows it in the officer's
    language), group names the textarea."""

    def __init__(self, message: str, code: str, group: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.group = group
        self.params = params


def vocabulary_of(text: str) -> dict[str, str]:
    """Each group of the flow's vocabulary as the editor shows it: one entry a line, slang as "word = meaning"."""
    keywords = flow_data(text).get("keywords") or {}
    shown = {}
    for group, path in VOCABULARY.items():
        value = keywords.get(path[0]) if len(path) == 1 else (keywords.get(path[0]) or {}).get(path[1])
        if isinstance(value, dict):
            shown[group] = "\n".join(f"{word} {_SLANG_SIGN} {meaning}" for word, meaning in value.items())
        else:
            shown[group] = "\n".join(str(item) for item in value or [])
    return shown


def _entries_of(group: str, raw: str) -> list[str] | dict[str, str]:
    """A textarea's lines as the group's YAML value; a slang line without "word = meaning" is refused."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if group != "slang":
        return lines
    slang = {}
    for line in lines:
        word, sign, meaning = (part.strip() for part in line.partition(_SLANG_SIGN))
        if not sign or not word or not meaning:
            raise VocabularyError(f"write each slang line as 'word = meaning', not {line[:60]!r}", "slang_line",
                                  group, entry=line[:60])
        slang[word] = meaning
    return slang


def set_vocabulary(text: str, form: dict[str, str]) -> str:
    """The flow's YAML with these vocabulary groups (textarea texts by group name) written in; everything else,
    comments included, stays as it was. The result is parsed and checked before it is returned."""
    lines = text.split("\n")
    shown = vocabulary_of(text)
    for group, path in VOCABULARY.items():
        if group in form and _entries_of(group, form[group]) != _entries_of(group, shown[group]):  # changed only
            _set_value(lines, path, _entries_of(group, form[group]))
    result = "\n".join(lines)
    try:
        parse_flow_text(result, "draft")
    except FlowError as exc:
        group = next((g for g, path in VOCABULARY.items()
                      if f"{exc.path}.".startswith("keywords." + ".".join(path) + ".")), "")
        raise VocabularyError(f"{exc.path}: {exc.message}", exc.code or "invalid", group, detail=exc.message,
                              **exc.params) from None
    return result


def _span(lines: list[str], start: int, end: int, indent: int, name: str, nested: bool) -> tuple[int, int] | None:
    """Where `name:` at this indentation is written in lines[start:end], with its value's lines: more indented lines
    (for a nested mapping also its comments and blank lines), or None when it is not there."""
    head = next((i for i in range(start, end) if re.match(rf"^ {{{indent}}}{re.escape(name)}:(\s|$)", lines[i])), None)
    if head is None:
        return None
    stop = head + 1
    while stop < end and (_indent(lines[stop]) > indent if lines[stop].strip() else nested) and (
            nested or not lines[stop].lstrip().startswith("#")):
        stop += 1
    while nested and stop > head + 1 and not lines[stop - 1].strip():
        stop -= 1
    return head, stop


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


WIDTH = 116


def _written(head: str, value: list[str] | dict[str, str]) -> list[str]:
    """`head: [a, b, ...]` (or `{word: meaning, ...}`) in YAML flow style, wrapped as the flow files are."""
    pieces = [yaml_inline({k: v})[1:-1] for k, v in value.items()] if isinstance(value, dict) else [
        yaml_inline([item])[1:-1] for item in value]
    brackets = "{}" if isinstance(value, dict) else "[]"
    lines, line = [], f"{head}: {brackets[0]}"
    margin = " " * len(line)
    for i, piece in enumerate(pieces):
        piece += ", " if i < len(pieces) - 1 else ""
        if len(line) + len(piece.rstrip()) > WIDTH and line.strip() != f"{head.strip()}: {brackets[0]}":
            lines.append(line.rstrip())
            line = margin
        line += piece
    return lines + [line + brackets[1]]


def _set_value(lines: list[str], path: tuple[str, ...], value: list[str] | dict[str, str]) -> None:
    """Write `value` as the keywords entry at path, adding the entry (and its parent) when missing."""
    block = _span(lines, 0, len(lines), 0, "keywords", nested=True)
    if block is None:
        raise EditError("the flow has no 'keywords:' section in the usual form; edit the structure by hand")
    start, end = block[0] + 1, block[1]
    for depth, name in enumerate(path, start=1):
        indent = "  " * depth
        found = _span(lines, start, end, len(indent), name, nested=depth < len(path))
        if found is None:
            lines.insert(end, f"{indent}{name}:")
            found = (end, end + 1)
        if depth == len(path):
            lines[found[0]:found[1]] = _written(indent + name, value)
        start, end = found[0] + 1, found[1]
