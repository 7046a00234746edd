"""texts_in_order(): a flow's texts in the order a resident meets them, each with the step that sends it."""
from __future__ import annotations

from dataclasses import dataclass, fields

from .model import Flow


@dataclass(frozen=True)
class TextPlace:
    """Where a text is sent: a node (with its type and the text's role there), or a keyword answer."""

    key: str
    node: str | None      # the node id, or None for a text the engine sends for a keyword or an event
    node_type: str        # the node's type, or "message" (the engine's own texts are named by message)
    role: str             # "say", "prompt" or "invalid" for a node; the Messages field name otherwise
    field: str | None = None  # an interview question's answer field


def _walk(flow: Flow) -> list[str]:
    """Node ids depth-first from the start, in the order a conversation reaches them, then the rest."""
    order: list[str] = []
    todo = [flow.language_node, flow.start, flow.menu_node, *flow.intents.values(), flow.followup_node]
    todo.reverse()
    while todo:
        node_id = todo.pop()
        if node_id in order or node_id not in flow.nodes:
            continue
        order.append(node_id)
        node = flow.nodes[node_id]
        after = [node.next, *(option.next for option in node.options), node.wait_at]
        todo.extend(reversed([n for n in after if n]))
    return order + [n for n in flow.nodes if n not in order]


def texts_in_order(flow: Flow) -> list[TextPlace]:
    """Every text key once, where a resident first meets it; the engine's keyword answers come last."""
    places: list[TextPlace] = []
    seen: set[str] = set()

    def add(place: TextPlace) -> None:
        if place.key and place.key not in seen:
            seen.add(place.key)
            places.append(place)

    for node_id in _walk(flow):
        node = flow.nodes[node_id]
        for key in node.say:
            add(TextPlace(key, node.id, node.type, "say", node.field))
        for role in ("prompt", "invalid"):
            add(TextPlace(getattr(node, role) or "", node.id, node.type, role, node.field))
    for item in fields(flow.messages):
        add(TextPlace(getattr(flow.messages, item.name) or "", None, "message", item.name))
    return places
