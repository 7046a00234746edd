"""advance(): one inbound message in, new state, replies and effects out. Keywords beat the flow."""
from __future__ import annotations

from typing import Any

from .errors import StepLimitExceeded
from .matching import contains_phrase, detect_language, leading_tip_code, normalise
from .model import (AttachToTip, Effect, EmergencyShown, Flow, Inbound, OptedIn, OptedOut, Outcome, Reply,
                    State)
from .steps import NODE_TYPES

DEFAULT_EXPIRE_AFTER = 24 * 3600
MAX_STEPS = 50


class Turn:
    """The working area of one advance() call: the state so far, replies and effects collected."""

    def __init__(self, flow: Flow, state: State, inbound: Inbound, max_steps: int) -> None:
        self.flow = flow
        self.state = state
        self.inbound = inbound
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self._steps_left = max_steps

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
                raise StepLimitExceeded(f"flow {self.flow.id!r} ran past {MAX_STEPS} steps at {node_id!r}")
            node = self.flow.node(node_id)
            node_id = NODE_TYPES[node.type].enter(node, self)

    def repeat_prompt(self) -> None:
        """Say again what the current node asks, if it asks anything."""
        node = self.flow.nodes.get(self.state.node or "")
        if node is not None and node.prompt:
            self.reply(node.prompt)

    def outcome(self, silent: bool = False) -> Outcome:
        """Freeze the turn into an Outcome."""
        return Outcome(self.state, tuple(self.replies), tuple(self.effects), silent)


def start(flow: Flow, now: float, locale: str | None = None) -> State:
    """A brand-new conversation on this flow, not yet at any node."""
    return State(flow_id=flow.id, locale=locale, updated_at=now)


def is_expired(state: State, now: float, expire_after: float) -> bool:
    """True when a conversation has been idle too long and should start over (opt-outs never expire)."""
    return not state.opted_out and now - state.updated_at > expire_after


def advance(flow: Flow, state: State | None, inbound: Inbound, now: float,
            expire_after: float = DEFAULT_EXPIRE_AFTER, max_steps: int = MAX_STEPS) -> Outcome:
    """Apply one inbound message to a conversation and return the new state, replies and effects."""
    if state is None or state.flow_id != flow.id or is_expired(state, now, expire_after):
        state = start(flow, now)
    turn = Turn(flow, state, inbound, max_steps)
    silent = _dispatch(turn)
    turn.state = turn.state.with_(updated_at=now)
    return turn.outcome(silent)


def _dispatch(turn: Turn) -> bool:
    """Route the message: keywords first, then tip codes, then the node that waits. Returns True if silent."""
    keywords = turn.flow.keywords
    text = turn.inbound.text
    said = normalise(text)
    if turn.state.locale is None:
        guessed = detect_language(text)
        if guessed and turn.state.node is None:
            turn.set_locale(guessed)

    if turn.state.opted_out:
        if said in keywords.start:
            _opt_in(turn)
        elif _is_emergency(turn, said):
            _emergency(turn)
        elif said in keywords.help:
            turn.reply(turn.flow.messages.help)
        else:
            return True
        return False

    if said in keywords.stop:
        turn.state = State(flow_id=turn.flow.id, locale=turn.state.locale, opted_out=True)
        turn.reply(turn.flow.messages.opted_out)
        turn.effect(OptedOut())
    elif _is_emergency(turn, said):
        _emergency(turn)
    elif said in keywords.lang_es or said in keywords.lang_en:
        _switch_language(turn, "es" if said in keywords.lang_es else "en")
    elif said in keywords.start:
        _restart(turn)
    elif said in keywords.help:
        turn.reply(turn.flow.messages.help)
        if turn.state.node is None:
            turn.wait(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)
    elif said in keywords.menu:
        turn.state = turn.state.with_(answers=())
        turn.go(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)
    elif not _answering_a_question(turn) and (found := leading_tip_code(text)) is not None:
        code, rest = found
        turn.effect(AttachToTip(code=code, text=rest, locale=turn.state.locale or "es"))
    elif turn.state.node is None:
        turn.go(turn.flow.start if turn.state.locale else turn.flow.language_node)
    else:
        node = turn.flow.nodes.get(turn.state.node)
        receive = NODE_TYPES[node.type].receive if node is not None else None
        if receive is None:  # the flow changed under a stored conversation: restart at the menu, safely
            turn.state = turn.state.with_(answers=())
            turn.go(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)
        else:
            receive(node, turn)
    return False


def _answering_a_question(turn: Turn) -> bool:
    node = turn.flow.nodes.get(turn.state.node or "")
    return node is not None and node.type == "question"


def _is_emergency(turn: Turn, said: str) -> bool:
    keywords = turn.flow.keywords
    if said in keywords.emergency_words:
        return True
    words = said.split()
    return any(contains_phrase(words, phrase) for phrase in keywords.emergency_phrases)


def _emergency(turn: Turn) -> None:
    turn.reply(turn.flow.messages.emergency)
    turn.effect(EmergencyShown())


def _opt_in(turn: Turn) -> None:
    turn.state = State(flow_id=turn.flow.id, locale=turn.state.locale)
    turn.reply(turn.flow.messages.opted_in)
    turn.effect(OptedIn())
    turn.go(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)


def _restart(turn: Turn) -> None:
    turn.state = State(flow_id=turn.flow.id, locale=turn.state.locale)
    turn.go(turn.flow.start if turn.state.locale else turn.flow.language_node)


def _switch_language(turn: Turn, locale: str) -> None:
    waiting = turn.state.node
    turn.set_locale(locale)
    turn.reply(turn.flow.messages.language_set)
    if waiting is None or waiting == turn.flow.language_node:
        turn.go(turn.flow.start)
    else:
        turn.repeat_prompt()
