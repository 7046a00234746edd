"""One small handler per node type, and the registry that names them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import nlu
from .matching import chosen_number, contains_phrase, normalise
from .model import AttachToTip, Node, Option, SubmitTip
from .turn import Turn

Enter = Callable[[Node, Turn], "str | None"]
Receive = Callable[[Node, Turn], None]


@dataclass(frozen=True)
class NodeType:
    """What a node type needs in the flow file and how it behaves on arrival and on input."""

    required: frozenset[str]
    optional: frozenset[str]
    enter: Enter
    receive: Receive | None = None


def _continue(node: Node, turn: Turn) -> str | None:
    """After a node that does not wait: stop silently at wait_at, end the script, or go on to next."""
    if node.wait_at:
        turn.wait(node.wait_at)
        return None
    if node.next is None:
        turn.wait(None)
    return node.next


def _say_then_continue(node: Node, turn: Turn) -> str | None:
    for key in node.say:
        turn.reply(key)
    return _continue(node, turn)


def _prompt_and_wait(node: Node, turn: Turn) -> None:
    if node.prompt:
        turn.reply(node.prompt)
    turn.wait(node.id)


def choose(node: Node, turn: Turn) -> bool:
    """Follow the menu option the reply picks (setting its locale, if any); False when none is picked."""
    option = pick_option(node.options, turn.inbound.text)
    if option is None:
        return False
    if option.locale:
        turn.set_locale(option.locale)
    turn.go(option.next)
    return True


def _menu_receive(node: Node, turn: Turn) -> None:
    if choose(node, turn):
        return
    if turn.state.locale is None:
        guessed = nlu.language_of(turn.inbound.text, turn.inbound.language_hint)
        if guessed:
            turn.set_locale(guessed)
            turn.go(turn.flow.start)
            return
    if node.invalid:
        turn.reply(node.invalid)
    _prompt_and_wait(node, turn)


def pick_option(options: tuple[Option, ...], text: str) -> Option | None:
    """The option a reply picks by number or by its words, or None."""
    number = chosen_number(text, len(options))
    if number is not None:
        return options[number - 1]
    said = normalise(text)
    if not said:
        return None
    exact = [o for o in options if said in o.match]
    if exact:
        return exact[0]
    words = said.split()
    if len(words) > 8:
        return None
    found = [o for o in options if any(contains_phrase(words, tuple(m.split())) for m in o.match)]
    return found[0] if len(found) == 1 else None


def _question_receive(node: Node, turn: Turn) -> None:
    said = normalise(turn.inbound.text)
    if not turn.inbound.text.strip():
        if not turn.inbound.has_media:  # a photo alone is not an answer, but needs no complaint either
            turn.reply(turn.flow.messages.empty)
        _prompt_and_wait(node, turn)
        return
    answer = None if said in turn.flow.keywords.skip else turn.inbound.text.strip()
    turn.record(node.field or node.id, answer)
    turn.go(node.next)


def _submit_enter(node: Node, turn: Turn) -> str | None:
    code = turn.inbound.fresh_code
    if not code:
        raise ValueError("the host must offer a fresh tip code (Inbound.fresh_code) to submit a tip")
    wanted = node.fields or tuple(name for name, _ in turn.state.answers)
    answers = dict(turn.state.answers)
    turn.effect(SubmitTip(
        code=code,
        locale=turn.state.locale or "es",
        channel=turn.inbound.channel,
        answers=tuple((name, answers.get(name)) for name in wanted),
        followup=turn.state.followup,
    ))
    turn.state = turn.state.with_(answers=(), last_tip=code, followup=False)
    for key in node.say:
        turn.reply(key, code=code)
    return _continue(node, turn)


def _consent_receive(node: Node, turn: Turn) -> None:
    """Yes (option 1 or a yes word first) allows follow-up questions; anything else is the safe default, no."""
    if not turn.inbound.text.strip() and turn.inbound.has_media:
        _prompt_and_wait(node, turn)
        return
    said = normalise(turn.inbound.text).split()
    yes = chosen_number(turn.inbound.text, 2) == 1 or bool(said and said[0] in turn.flow.keywords.agree)
    turn.state = turn.state.with_(followup=yes)
    turn.go(node.next)


def _followup_receive(node: Node, turn: Turn) -> None:
    text = turn.inbound.text.strip()
    if turn.state.last_tip and text and turn.flow.messages.acknowledged and nlu.is_acknowledgement(text):
        turn.reply(turn.flow.messages.acknowledged, code=turn.state.last_tip)  # nothing new for the officers
        turn.wait(node.id)
        return
    if turn.state.last_tip and text:
        turn.effect(AttachToTip(code=turn.state.last_tip, text=text, locale=turn.state.locale or "es"))
        turn.wait(node.id)
        return
    if not text:
        if turn.inbound.has_media and turn.state.last_tip:
            turn.wait(node.id)  # photos for the tip: the host attaches and acknowledges them
            return
        turn.reply(turn.flow.messages.empty)
        _prompt_and_wait(node, turn)
        return
    turn.go(turn.flow.menu_node)


def _enter_waiting(node: Node, turn: Turn) -> None:
    _prompt_and_wait(node, turn)
    return None


NODE_TYPES: dict[str, NodeType] = {
    "message": NodeType(frozenset({"say"}), frozenset({"next", "wait_at"}), _say_then_continue),
    "menu": NodeType(frozenset({"prompt", "options"}), frozenset({"invalid"}), _enter_waiting, _menu_receive),
    "question": NodeType(frozenset({"prompt", "field", "next"}), frozenset(), _enter_waiting, _question_receive),
    "submit": NodeType(frozenset({"say"}), frozenset({"fields", "next", "wait_at"}), _submit_enter),
    "consent": NodeType(frozenset({"prompt", "next"}), frozenset(), _enter_waiting, _consent_receive),
    "followup": NodeType(frozenset({"prompt"}), frozenset(), _enter_waiting, _followup_receive),
}
