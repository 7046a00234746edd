"""check_flow(): problems a parser cannot see alone (unreachable nodes, loops that never wait); which texts a
flow uses (message_keys) and which of them state the immigration policy (policy_keys)."""
from __future__ import annotations

from .model import Flow, Node
from .steps import NODE_TYPES


def _edges(node: Node) -> list[str]:
    targets = [node.next, node.wait_at] + [option.next for option in node.options]
    return [t for t in targets if t is not None]


def check_flow(flow: Flow) -> list[str]:
    """Return human-readable problems of a parsed flow, each starting with the path it concerns."""
    problems = []
    roots = [flow.start, flow.language_node, flow.menu_node, flow.followup_node, *flow.intents.values()]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        node_id = todo.pop()
        if node_id not in seen:
            seen.add(node_id)
            todo.extend(_edges(flow.nodes[node_id]))
    for node_id in flow.nodes:
        if node_id not in seen:
            problems.append(f"nodes.{node_id}: unreachable from start, language_node, menu_node or followup_node")
    for name, expected in (("language_node", "menu"), ("menu_node", "menu"), ("followup_node", "followup")):
        node = flow.nodes[getattr(flow, name)]
        if node.type != expected:
            problems.append(f"{name}: must be a {expected} node, {node.id!r} is a {node.type}")
    deletion = (flow.messages.delete_confirm, flow.messages.deleted, flow.messages.delete_kept)
    if bool(flow.keywords.delete) != all(deletion) or any(deletion) != all(deletion):
        problems.append("keywords.delete: delete words need messages.delete_confirm, messages.deleted and "
                        "messages.delete_kept, and those messages need delete words")
    tip = flow.intents.get("tip")
    if tip is not None and flow.nodes[tip].type != "question":
        problems.append(f"intents.tip: must lead to a question (the first answer of the interview), "
                        f"{tip!r} is a {flow.nodes[tip].type}")
    for node in flow.nodes.values():
        if node.type == "menu" and not node.options:
            problems.append(f"nodes.{node.id}.options: a menu needs at least one option")
        loop = _loop_without_input(flow, node.id)
        if loop:
            problems.append(f"nodes.{node.id}.next: loops without waiting for input ({' -> '.join(loop)})")
    return problems


def _loop_without_input(flow: Flow, start: str) -> list[str]:
    path = [start]
    node = flow.nodes[start]
    while NODE_TYPES[node.type].receive is None and node.wait_at is None and node.next is not None:
        if node.next in path:
            return path + [node.next] if node.next == start else []
        path.append(node.next)
        node = flow.nodes[node.next]
    return []


def message_keys(flow: Flow) -> set[str]:
    """Every translation key the flow can send."""
    keys = {key for key in vars(flow.messages).values() if key}
    for node in flow.nodes.values():
        keys.update(node.say)
        keys.update(k for k in (node.prompt, node.invalid) if k)
    return keys


def policy_keys(flow: Flow) -> set[str]:
    """The texts that state the immigration policy (the immigration intent's node, and the reassurance)."""
    node = flow.nodes.get(flow.intents.get("immigration", ""))
    return set(node.say if node else ()) | {flow.messages.reassurance}
