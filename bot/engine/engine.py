"""advance(): one inbound message in, new state, replies and effects out. Keywords beat the flow."""
from __future__ import annotations


from . import nlu
from .matching import chosen_number, contains_any_phrase, leading_tip_code, normalise
from .model import AlertsJoined, AlertsLeft, AttachToTip, EmergencyShown, Flow, ForgetMe, Inbound, OptedIn, OptedOut, Outcome, State
from .steps import NODE_TYPES, choose
from .turn import Turn

DEFAULT_EXPIRE_AFTER = 24 * 3600
MAX_STEPS = 50


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
    turn = Turn(flow, state, inbound, max_steps, NODE_TYPES)
    silent = _dispatch(turn)
    turn.state = turn.state.with_(updated_at=now)
    return turn.outcome(silent)


def _dispatch(turn: Turn) -> bool:
    """Route the message: safety and keywords first, then tip codes, then the node that waits or free text.

    Returns True when the line deliberately stays silent (after an opt-out)."""
    keywords = turn.flow.keywords
    text = turn.inbound.text
    said = normalise(text)
    node = turn.flow.nodes.get(turn.state.node or "")
    answering = node is not None and node.type == "question"
    free_answer = node is not None and node.type in ("question", "followup")  # the text itself is kept
    if turn.state.locale is None and turn.state.node is None:
        guessed = nlu.language_of(text, turn.inbound.language_hint)
        if guessed:
            turn.set_locale(guessed)

    if turn.state.opted_out:
        if said in keywords.start:
            _opt_in(turn)
        elif _is_emergency(turn, said):
            _emergency(turn)
        elif _deletion(turn, said):
            pass
        elif said in keywords.help:
            _help(turn)
        else:
            return True
        return False

    asked_to_stop = turn.state.asked_to_stop  # the previous answer asked "Do you want to stop receiving messages?"
    if asked_to_stop:
        turn.state = turn.state.with_(asked_to_stop=False)
    wanted = _language_request(turn, said, strict=free_answer)
    if said in keywords.stop or nlu.is_stop(text, strict=free_answer, local=keywords.local) or (
            asked_to_stop and nlu.says_yes(text)):
        turn.state = State(flow_id=turn.flow.id, locale=turn.state.locale, opted_out=True)
        turn.reply(turn.flow.messages.opted_out)
        turn.effect(OptedOut())
    elif _is_emergency(turn, said, strict=free_answer):
        _emergency(turn)
        if free_answer and not _is_alarm_word(turn, said):  # a described danger is also the answer: keep it
            NODE_TYPES[node.type].receive(node, turn)
    elif _deletion(turn, said):
        pass
    elif _alerts(turn, said):
        pass
    elif wanted:
        _switch_language(turn, wanted)
    elif said in keywords.start:
        _restart(turn)
    elif said in keywords.help or nlu.pleads_for_help(text, keywords.local):  # "ayuda por favor", "hlep pls" too
        _help(turn)
        if turn.state.node is None:
            turn.wait(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)
    elif said in keywords.menu:
        turn.state = turn.state.with_(answers=())
        turn.go(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)
    elif not answering and (found := leading_tip_code(text)) is not None:
        code, rest = found
        turn.effect(AttachToTip(code=code, text=rest, locale=turn.state.locale or "es"))
    elif node is None and turn.state.node is None:
        _understand_free_text(turn, first=True)
    elif node is not None and node.id == turn.flow.menu_node:
        if not choose(node, turn):
            _understand_free_text(turn, first=False)
    else:
        receive = NODE_TYPES[node.type].receive if node is not None else None
        if receive is None:  # the flow changed under a stored conversation: restart at the menu, safely
            turn.state = turn.state.with_(answers=())
            turn.go(turn.flow.menu_node if turn.state.locale else turn.flow.language_node)
        else:
            receive(node, turn)
    return False


def _deletion(turn: Turn, said: str) -> bool:
    """BORRAR / DELETE asks for confirmation; the next message confirms (yes, or the word again) or keeps all.

    Returns True when the message was about deletion (and so is handled)."""
    flow = turn.flow
    messages = flow.messages
    if not (flow.keywords.delete and messages.delete_confirm and messages.deleted and messages.delete_kept):
        return False
    if turn.state.confirming_delete:
        turn.state = turn.state.with_(confirming_delete=False)
        first = said.split()[:1]
        if said in flow.keywords.delete or chosen_number(turn.inbound.text, 2) == 1 or (
                first and first[0] in flow.keywords.agree):
            turn.effect(ForgetMe())
            turn.reply(messages.deleted)
            turn.state = State(flow_id=flow.id, locale=turn.state.locale)
        else:
            turn.reply(messages.delete_kept)
            turn.repeat_prompt()
        return True
    if said in flow.keywords.delete:
        turn.state = turn.state.with_(confirming_delete=True)
        turn.reply(messages.delete_confirm)
        return True
    return False


def _alerts(turn: Turn, said: str) -> bool:
    """ALERTAS / ALERTS joins the community alerts (the answer is the consent text); ALERTAS NO / ALERTS OFF leaves.

    Returns True when the message was one of these keywords (and so is handled)."""
    flow = turn.flow
    messages = flow.messages
    if not (messages.alerts_joined and messages.alerts_left):
        return False
    if said in flow.keywords.alerts_off:
        turn.reply(messages.alerts_left)
        turn.effect(AlertsLeft())
    elif said in flow.keywords.alerts_on:
        # the keyword's language is the alerts' language: ALERTS -> English, ALERTAS -> Spanish
        locale = "en" if said.startswith("alerts") else "es" if said.startswith("alertas") else turn.state.locale
        turn.set_locale(locale or "es")
        locale = turn.state.locale or "es"
        turn.reply(messages.alerts_joined)
        turn.effect(AlertsJoined(locale=locale, channel=turn.inbound.channel, consent=messages.alerts_joined))
    else:
        return False
    if turn.state.node is None:
        turn.wait(flow.menu_node)
    return True


def _language_request(turn: Turn, said: str, strict: bool) -> str | None:
    """ESPAÑOL / ENGLISH as keywords anywhere; phrased requests ("en español por favor") unless answering."""
    if said in turn.flow.keywords.lang_es:
        return "es"
    if said in turn.flow.keywords.lang_en:
        return "en"
    if strict:
        return None
    intent = _meaning(turn).intent
    return {"lang_es": "es", "lang_en": "en"}.get(intent)


def _meaning(turn: Turn) -> nlu.Understanding:
    inbound = turn.inbound
    return nlu.understand(inbound.text, inbound.language_hint, inbound.intent_hint, inbound.intent_confidence,
                          inbound.stop_confidence, turn.flow.keywords.local)


def _understand_free_text(turn: Turn, first: bool) -> None:
    """A first message, or free text at the main menu: route by what it means, not only by numbers."""
    flow = turn.flow
    meaning = _meaning(turn)
    if meaning.intent == "emergency" and nlu.pleads_for_help(turn.inbound.text, flow.keywords.local):
        _help(turn)  # "ayuda", where the flow's HELP keywords do not have it
        turn.wait(flow.menu_node if turn.state.locale else flow.language_node)
        return
    if meaning.intent == "emergency":  # the rules missed it as an alarm, the model did not
        _emergency(turn)
        if meaning.ask_stop:  # ... and the opt-out model heard an opt-out: 911 first, then the question
            _ask_stop(turn)
        return
    if meaning.intent == nlu.MAYBE_STOP and flow.messages.stop_confirm:  # maybe an opt-out: ask, never assume
        turn.wait(flow.menu_node if turn.state.locale else flow.language_node)
        _ask_stop(turn)
        return
    _route_free_text(turn, meaning, first)
    if meaning.ask_stop:  # answered as a greeting or a question; maybe an opt-out too
        _ask_stop(turn)


def _ask_stop(turn: Turn) -> None:
    """Ask "Do you want to stop receiving messages? Reply STOP"; the next message, STOP or a plain yes, opts out."""
    if turn.flow.messages.stop_confirm:
        turn.reply(turn.flow.messages.stop_confirm)
        turn.state = turn.state.with_(asked_to_stop=True)


def _route_free_text(turn: Turn, meaning: nlu.Understanding, first: bool) -> None:
    """Send free text where its meaning leads: the interview, an answer, the menu or the language question."""
    flow = turn.flow
    if turn.state.locale is None and meaning.intent in ("greet", "other"):
        turn.go(flow.language_node)
        return
    target = flow.intents.get(meaning.intent)
    if meaning.intent == "tip" and target is not None:
        if meaning.mentions_immigration:
            turn.reply(flow.messages.reassurance)
        elif first:  # a first message that goes straight to the interview still hears that the line is safe
            turn.reply(flow.messages.first_contact)
        question = flow.node(target)
        if meaning.describes_crime and question.type == "question":
            turn.record(question.field or question.id, turn.inbound.text.strip())
            turn.go(question.next)
        else:
            turn.go(target)
    elif meaning.intent == "help":
        turn.reply(flow.messages.help)
        turn.wait(flow.menu_node if turn.state.locale else flow.language_node)
    elif target is not None:
        turn.go(target)
    elif first:
        turn.go(flow.start)
    else:
        menu = flow.node(flow.menu_node)
        if menu.invalid and meaning.intent != "greet":
            turn.reply(menu.invalid)
        turn.go(flow.menu_node)


def _is_alarm_word(turn: Turn, said: str) -> bool:
    """A message that is only an alarm ("911", "EMERGENCIA") or one of the flow's danger phrases (not in a
    question about calling 911: "if I call 911 will they ask my status?")."""
    keywords = turn.flow.keywords
    words = said.split()
    return said in keywords.emergency_words or (contains_any_phrase(words, keywords.emergency_phrases)
                                                and not nlu.talks_about_911(turn.inbound.text,
                                                                            local=keywords.local))


def _is_emergency(turn: Turn, said: str, strict: bool = False) -> bool:
    """Danger now by the rules; in an answer (strict), the intent model's sure opinion counts too: when the two
    disagree about danger, the line errs towards the 911 guidance, unless the answer says the danger is over
    ("me pegó anoche, ahorita no está") or tells it as a habit with nothing that says now ("siempre anda
    amenazando")."""
    inbound = turn.inbound
    second_opinion = strict and inbound.intent_hint == "emergency" and \
        inbound.intent_confidence >= nlu.MODEL_DANGER_IN_ANSWER and \
        not nlu.not_now(inbound.text, turn.flow.keywords.local)
    return _is_alarm_word(turn, said) or nlu.is_emergency(inbound.text, strict=strict, local=turn.flow.keywords.local) \
        or second_opinion


def _help(turn: Turn) -> None:
    """The HELP answer; after the call-911 guidance when the message is a bare plea ("ayuda", "HELP"): a cry for help
    and the HELP keyword look the same, and the line answers both."""
    if nlu.pleads_for_help(turn.inbound.text, turn.flow.keywords.local):
        _emergency(turn)
    turn.reply(turn.flow.messages.help)


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
