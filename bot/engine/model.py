"""Plain data of the conversation engine: flows, state, inbound messages, replies and effects."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping

LOCALES = ("en", "es")


@dataclass(frozen=True)
class Option:
    """One choice of a menu: the words that pick it, where it leads, and an optional locale it sets."""

    match: tuple[str, ...]
    next: str
    locale: str | None = None


@dataclass(frozen=True)
class Node:
    """One step of a flow; which fields matter depends on its type."""

    id: str
    type: str
    say: tuple[str, ...] = ()
    prompt: str | None = None
    next: str | None = None
    wait_at: str | None = None
    field: str | None = None
    fields: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    invalid: str | None = None


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class LocalVocabulary:
    """A department's own words (the flow's `keywords:`), normalised: hashable, so nlu can cache by it.

    stop_phrases opt out anywhere in a short message; immigration words and phrases get the policy; slang maps a
    local word or phrase to the standard words the rules know; streets are places, set aside before the rules."""

    stop_phrases: tuple[Phrase, ...] = ()
    immigration: tuple[Phrase, ...] = ()
    slang: tuple[tuple[Phrase, Phrase], ...] = ()
    streets: tuple[Phrase, ...] = ()


@dataclass(frozen=True)
class Keywords:
    """Words that work in every state of a flow, already normalised."""

    stop: frozenset[str] = frozenset()
    start: frozenset[str] = frozenset()
    help: frozenset[str] = frozenset()
    menu: frozenset[str] = frozenset()
    lang_es: frozenset[str] = frozenset()
    lang_en: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    agree: frozenset[str] = frozenset()
    delete: frozenset[str] = frozenset()
    alerts_on: frozenset[str] = frozenset()   # join the department's community alerts (ALERTAS / ALERTS)
    alerts_off: frozenset[str] = frozenset()  # leave them (ALERTAS NO / ALERTS OFF)
    emergency_words: frozenset[str] = frozenset()
    emergency_phrases: tuple[tuple[str, ...], ...] = ()
    local: LocalVocabulary | None = None  # None when the flow has no local vocabulary (nlu's default behaviour)


@dataclass(frozen=True)
class Messages:
    """Translation keys the engine itself uses for keyword answers."""

    opted_out: str
    opted_in: str
    help: str
    emergency: str
    language_set: str
    empty: str
    addendum_received: str
    reassurance: str
    first_contact: str
    delete_confirm: str | None = None  # delete-my-data: the question, the answer when done, and when kept
    deleted: str | None = None
    delete_kept: str | None = None
    stop_confirm: str | None = None  # the opt-out model thinks so, the rules are not sure: "Reply STOP"
    acknowledged: str | None = None  # a thank-you after a tip ("gracias", a thumbs up): answered, not added to it
    alerts_joined: str | None = None  # community alerts: the consent text (what, how often, how to stop)
    alerts_left: str | None = None    # ... and the answer when they end


@dataclass(frozen=True)
class Flow:
    """A whole conversation script: nodes, the start node, the language-choice node and keywords."""

    id: str
    start: str
    language_node: str
    menu_node: str
    followup_node: str
    nodes: Mapping[str, Node]
    keywords: Keywords
    messages: Messages
    intents: Mapping[str, str] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        """Return the node with this id."""
        return self.nodes[node_id]


@dataclass(frozen=True)
class State:
    """Where one conversation stands; serialisable with to_dict/from_dict."""

    flow_id: str
    node: str | None = None
    locale: str | None = None
    answers: tuple[tuple[str, str | None], ...] = ()
    opted_out: bool = False
    last_tip: str | None = None
    updated_at: float = 0.0
    followup: bool = False  # the resident agreed that officers may ask follow-up questions about the next tip
    confirming_delete: bool = False  # the resident asked to delete their data; the next message confirms
    asked_to_stop: bool = False  # the line asked "Do you want to stop receiving messages?": a plain yes opts out
    revision: int = 0  # the flow revision this conversation runs on (set by the host; 0: the shipped flow)

    def with_(self, **changes: Any) -> "State":
        """Return a copy with some fields changed (like dataclasses.replace, several times faster)."""
        unknown = changes.keys() - _STATE_FIELDS
        if unknown:
            raise TypeError(f"State has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(State)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping of this state."""
        return {
            "flow_id": self.flow_id,
            "node": self.node,
            "locale": self.locale,
            "answers": [list(pair) for pair in self.answers],
            "opted_out": self.opted_out,
            "last_tip": self.last_tip,
            "updated_at": self.updated_at,
            "followup": self.followup,
            "confirming_delete": self.confirming_delete,
            "asked_to_stop": self.asked_to_stop,
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "State":
        """Build a state from to_dict's output."""
        return cls(
            flow_id=str(data["flow_id"]),
            node=data.get("node"),
            locale=data.get("locale"),
            answers=tuple((str(k), v) for k, v in data.get("answers", ())),
            opted_out=bool(data.get("opted_out", False)),
            last_tip=data.get("last_tip"),
            updated_at=float(data.get("updated_at", 0.0)),
            followup=bool(data.get("followup", False)),
            confirming_delete=bool(data.get("confirming_delete", False)),
            asked_to_stop=bool(data.get("asked_to_stop", False)),
            revision=int(data.get("revision", 0) or 0),
        )


_STATE_FIELDS = frozenset(f.name for f in fields(State))


@dataclass(frozen=True)
class Inbound:
    """One message from a resident, as plain values.

    fresh_code is a new unused tip code the host offers; language_hint is the host's guess of the
    message's language ("en", "es" or None) from a language model, used when the vocabulary cannot tell;
    intent_hint is a statistical model's guess of its intent and intent_confidence that model's margin
    (see nlu.understand for when it counts)."""

    text: str
    channel: str = "sms"
    fresh_code: str = ""
    language_hint: str | None = None
    intent_hint: str | None = None
    intent_confidence: float = 0.0
    stop_confidence: float = 0.0  # the opt-out model's margin (the line may ask whether to stop; never opts out)
    has_media: bool = False  # photos came with the message (the host keeps them; an empty text is then fine)


@dataclass(frozen=True)
class Reply:
    """A message to send back, as a translation key and its parameters."""

    key: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmitTip:
    """Effect: a finished interview to store and forward to officers."""

    code: str
    locale: str
    channel: str
    answers: tuple[tuple[str, str | None], ...]
    followup: bool = False  # officers may write back through the line (the host keeps an expiring handle)


@dataclass(frozen=True)
class AttachToTip:
    """Effect: more information for an earlier tip, identified by its code."""

    code: str
    text: str
    locale: str


@dataclass(frozen=True)
class OptedOut:
    """Effect: the resident asked for no more messages."""


@dataclass(frozen=True)
class ForgetMe:
    """Effect: delete this resident's conversation, follow-up handles and draft; unlink their tips."""


@dataclass(frozen=True)
class OptedIn:
    """Effect: the resident asked to receive messages again."""


@dataclass(frozen=True)
class AlertsJoined:
    """Effect: the resident asked for the department's community alerts, in this language, on this channel."""

    locale: str
    channel: str
    consent: str  # the translation key of the consent text they were sent (the host adds its revision)


@dataclass(frozen=True)
class AlertsLeft:
    """Effect: the resident asked for no more community alerts."""


@dataclass(frozen=True)
class EmergencyShown:
    """Effect: the resident was told to call 911."""


Effect = SubmitTip | AttachToTip | OptedOut | OptedIn | EmergencyShown | ForgetMe | AlertsJoined | AlertsLeft


@dataclass(frozen=True)
class Outcome:
    """What advance() returns: the new state, replies to send and effects for the host to carry out."""

    state: State
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...]
    silent: bool = False
