"""Structural edits a coordinator makes from forms, not YAML: add a question to the interview, remove one.

The flow stays YAML text (its comments survive): a node's block is found by its indentation, lines are
changed or inserted, and the result is parsed and checked before it is accepted."""
from __future__ import annotations

import re

from bot.engine import Flow, FlowError

from .files import parse_flow_text

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
