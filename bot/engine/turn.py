"""Turn: the working area of one advance() call (state so far, replies, effects), shared by the engine and the
node handlers. The handlers are passed in, so this module imports neither of them."""
from __future__ import annotations

from typing import Any, Mapping, Protocol

from .errors import StepLimitExceeded
from .model import Effect, Flow, Inbound, Node, Outcome, Reply, State


class NodeHandlers(Protocol):
    """What the turn needs of a node type: how to enter a node of it."""

    def enter(self, node: Node, turn: "Turn") -> str | None:
        """Run the node; return the next node id, or None when the node waits (or the script ends)."""


class Turn:
    """The working area of one advance() call: the state so far, replies and effects collected."""

    def __init__(self, flow: Flow, state: State, inbound: Inbound, max_steps: int,
                 node_types: Mapping[str, NodeHandlers]) -> None:
        self.flow = flow
        self.state = state
        self.inbound = inbound
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self._steps_left = max_steps
        self._max_steps = max_steps
        self._node_types = node_types

    def reply(self, key: str, **params: Any) -> None:
        """Queue a reply by translation key."""
        self.replies.append(Reply(key, {k: str(v) for k, v in params.items()}))

    def effect(self, effect: Effect) -> None:
        """Queue an effect for the host."""
        self.effects.append(effect)

    def wait(self, node_id: str | None) -> None:
        """Pause the conversation at a node (None: the script has ended)."""
        self.state = self.state.with_(node=node_id)

    def set_locale(self, locale: str) -> None:
        """Switch the conversation's language."""
        self.state = self.state.with_(locale=locale)

    def record(self, field: str, answer: str | None) -> None:
        """Keep an interview answer (None when skipped), replacing an earlier one for the same field."""
        kept = tuple(pair for pair in self.state.answers if pair[0] != field)
        self.state = self.state.with_(answers=kept + ((field, answer),))

    def go(self, node_id: str | None) -> None:
        """Run nodes from node_id until one waits for input or the script ends."""
        while node_id is not None:
            self._steps_left -= 1
            if self._steps_left < 0:
                raise StepLimitExceeded(f"flow {self.flow.id!r} ran past {self._max_steps} steps at {node_id!r}")
            node = self.flow.node(node_id)
            node_id = self._node_types[node.type].enter(node, self)

    def repeat_prompt(self) -> None:
        """Say again what the current node asks, if it asks anything."""
        node = self.flow.nodes.get(self.state.node or "")
        if node is not None and node.prompt:
            self.reply(node.prompt)

    def outcome(self, silent: bool = False) -> Outcome:
        """Freeze the turn into an Outcome."""
        return Outcome(self.state, tuple(self.replies), tuple(self.effects), silent)
