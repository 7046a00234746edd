"""Turn a flow mapping (as read from YAML) into a checked Flow; errors name the path to the problem."""
from __future__ import annotations

from typing import Any, Mapping

from . import nlu
from .errors import FlowError
from .matching import normalise, normalise_all
from .model import Flow, Keywords, LocalVocabulary, Messages, Node, Option, Phrase
from .steps import NODE_TYPES

_KEYWORD_GROUPS = ("stop", "start", "help", "menu", "lang_es", "lang_en", "skip")
_OPTIONAL_GROUPS = ("agree", "delete", "alerts_on", "alerts_off")  # yes words for consent; delete-my-data words
# (with the messages below); community alerts: join, leave
_OPTIONAL_MESSAGES = ("delete_confirm", "deleted", "delete_kept", "acknowledged", "alerts_joined", "alerts_left",
                      "stop_confirm")
_MESSAGE_NAMES = ("opted_out", "opted_in", "help", "emergency", "language_set", "empty", "addendum_received",
                  "reassurance", "first_contact")
_LOCAL_GROUPS = ("stop_phrases", "immigration", "slang", "streets")  # a department's own words (LocalVocabulary)
MAX_ENTRY_CHARS = 60
MAX_ENTRY_WORDS = 6
MAX_ENTRIES = 300  # per group
_ROUTED_INTENTS = ("greet", "immigration", "tip", "emergency", "other")
_NODE_FIELDS = {"type", "say", "prompt", "next", "wait_at", "field", "fields", "options", "invalid"}


def parse_flow(data: Any, source: str = "flow") -> Flow:
    """Check a flow mapping and build the Flow; raise FlowError naming source and path on any problem."""
    root = _mapping(data, source, "")
    _only(root, {"id", "start", "language_node", "menu_node", "followup_node", "keywords", "messages", "nodes",
                 "intents"}, source, "")
    nodes_data = _mapping(root.get("nodes"), source, "nodes")
    if not nodes_data:
        raise FlowError(source, "nodes", "a flow needs at least one node")
    nodes = {str(node_id): _parse_node(str(node_id), raw, source) for node_id, raw in nodes_data.items()}
    flow = Flow(
        id=_text(root.get("id"), source, "id"),
        start=_target(root.get("start"), nodes, source, "start"),
        language_node=_target(root.get("language_node"), nodes, source, "language_node"),
        menu_node=_target(root.get("menu_node"), nodes, source, "menu_node"),
        followup_node=_target(root.get("followup_node"), nodes, source, "followup_node"),
        nodes=nodes,
        keywords=_parse_keywords(root.get("keywords"), source),
        messages=_parse_messages(root.get("messages"), source),
        intents=_parse_intents(root.get("intents"), nodes, source),
    )
    for node in nodes.values():
        _check_targets(node, nodes, source)
    return flow


def _parse_node(node_id: str, raw: Any, source: str) -> Node:
    path = f"nodes.{node_id}"
    data = _mapping(raw, source, path)
    _only(data, _NODE_FIELDS, source, path)
    node_type = _text(data.get("type"), source, f"{path}.type")
    if node_type not in NODE_TYPES:
        known = ", ".join(sorted(NODE_TYPES))
        raise FlowError(source, f"{path}.type", f"unknown node type {node_type!r} (known: {known})")
    spec = NODE_TYPES[node_type]
    for name in spec.required:
        if data.get(name) in (None, "", []):
            raise FlowError(source, f"{path}.{name}", f"a {node_type} node needs {name!r}")
    for name in set(data) - {"type"} - spec.required - spec.optional:
        raise FlowError(source, f"{path}.{name}", f"a {node_type} node does not use {name!r}")
    if data.get("next") is not None and data.get("wait_at") is not None:
        raise FlowError(source, f"{path}.wait_at", "use either 'next' (go on) or 'wait_at' (stop and wait), not both")
    options = tuple(
        _parse_option(item, source, f"{path}.options.{i}") for i, item in enumerate(data.get("options") or [])
    )
    return Node(
        id=node_id,
        type=node_type,
        say=tuple(_text(k, source, f"{path}.say.{i}") for i, k in enumerate(_list(data.get("say"), source,
                                                                                  f"{path}.say"))),
        prompt=_optional_text(data.get("prompt"), source, f"{path}.prompt"),
        next=_optional_text(data.get("next"), source, f"{path}.next"),
        wait_at=_optional_text(data.get("wait_at"), source, f"{path}.wait_at"),
        field=_optional_text(data.get("field"), source, f"{path}.field"),
        fields=tuple(_text(f, source, f"{path}.fields.{i}") for i, f in enumerate(_list(data.get("fields"), source,
                                                                                       f"{path}.fields"))),
        options=options,
        invalid=_optional_text(data.get("invalid"), source, f"{path}.invalid"),
    )


def _parse_option(raw: Any, source: str, path: str) -> Option:
    data = _mapping(raw, source, path)
    _only(data, {"match", "next", "locale"}, source, path)
    words = [normalise(_text(w, source, f"{path}.match.{i}")) for i, w in enumerate(_list(data.get("match"), source,
                                                                                          f"{path}.match"))]
    locale = _optional_text(data.get("locale"), source, f"{path}.locale")
    if locale is not None and locale not in ("en", "es"):
        raise FlowError(source, f"{path}.locale", f"locale must be 'en' or 'es', not {locale!r}")
    return Option(match=tuple(w for w in words if w), next=_text(data.get("next"), source, f"{path}.next"),
                  locale=locale)


def _parse_keywords(raw: Any, source: str) -> Keywords:
    data = _mapping(raw, source, "keywords")
    _only(data, set(_KEYWORD_GROUPS) | set(_OPTIONAL_GROUPS) | set(_LOCAL_GROUPS) | {"emergency"}, source,
          "keywords")
    groups = {}
    for name in _KEYWORD_GROUPS + _OPTIONAL_GROUPS:
        words = _list(data.get(name), source, f"keywords.{name}")
        if not words and name in _OPTIONAL_GROUPS:
            continue
        if not words:
            raise FlowError(source, f"keywords.{name}", "needs at least one word", "needs_one")
        groups[name] = normalise_all(_text(w, source, f"keywords.{name}.{i}") for i, w in enumerate(words))
        if not groups[name]:
            raise FlowError(source, f"keywords.{name}", "needs at least one word with letters or digits", "needs_one")
    emergency = _mapping(data.get("emergency"), source, "keywords.emergency")
    _only(emergency, {"words", "phrases"}, source, "keywords.emergency")
    em_words = normalise_all(_text(w, source, f"keywords.emergency.words.{i}")
                             for i, w in enumerate(_list(emergency.get("words"), source, "keywords.emergency.words")))
    phrases = tuple(
        tuple(normalise(_text(p, source, f"keywords.emergency.phrases.{i}")).split())
        for i, p in enumerate(_list(emergency.get("phrases"), source, "keywords.emergency.phrases"))
    )
    for path, items in (("keywords.stop", data.get("stop")), ("keywords.emergency.words", emergency.get("words")),
                        ("keywords.emergency.phrases", emergency.get("phrases"))):  # the editor's groups: bounded
        _entries(items, source, path)
    local = _parse_local(data, groups["stop"] | em_words, source)
    return Keywords(emergency_words=em_words, emergency_phrases=tuple(p for p in phrases if p), local=local, **groups)


def _parse_local(data: Mapping[str, Any], keywords: frozenset[str], source: str) -> LocalVocabulary | None:
    """The local vocabulary (stop phrases, immigration words, slang, streets), or None when the flow has none.

    A street may not also be a STOP or emergency word, a stop phrase or slang: a place name is set aside before the
    rules (a street that hides danger in longer messages, "gun", is refused by the safety gate, which measures it)."""
    slang_data = _mapping(data.get("slang"), source, "keywords.slang")
    _count(slang_data, source, "keywords.slang")
    slang = {}
    for word, meaning in slang_data.items():
        path = f"keywords.slang.{word}"
        key, standard = _entry(word, source, path), _entry(meaning, source, path)
        unknown = [w for w in standard if not nlu.known_word(w)]
        if unknown:
            raise FlowError(source, path, f"{unknown[0]!r} is not a word the line's rules know; write the standard "
                            "word it means (for example pistola, policia, trabajo)", "unknown_meaning",
                            entry=str(word), word=unknown[0])
        slang[key] = standard
    local = LocalVocabulary(stop_phrases=_entries(data.get("stop_phrases"), source, "keywords.stop_phrases"),
                            immigration=_entries(data.get("immigration"), source, "keywords.immigration"),
                            slang=tuple(slang.items()),
                            streets=_entries(data.get("streets"), source, "keywords.streets"))
    for i, street in enumerate(local.streets):
        clash = "a STOP or emergency word" if " ".join(street) in keywords else "a stop phrase" \
            if street in local.stop_phrases else "slang" if street in slang else ""
        if clash:
            raise FlowError(source, f"keywords.streets.{i}", f"{' '.join(street)!r} is also {clash}; a street name "
                            "is set aside before the rules, so it cannot be both", "street_is_keyword",
                            entry=" ".join(street))
    return local if any((local.stop_phrases, local.immigration, local.slang, local.streets)) else None


def _entries(raw: Any, source: str, path: str) -> tuple[Phrase, ...]:
    """A list of words or phrases, each normalised, duplicates dropped (first kept)."""
    items = _list(raw, source, path)
    _count(items, source, path)
    return tuple(dict.fromkeys(_entry(item, source, f"{path}.{i}") for i, item in enumerate(items)))


def _count(items: Any, source: str, path: str) -> None:
    if len(items) > MAX_ENTRIES:
        raise FlowError(source, path, f"has {len(items)} entries; at most {MAX_ENTRIES}", "too_many",
                        count=str(len(items)), limit=str(MAX_ENTRIES))


def _entry(value: Any, source: str, path: str) -> Phrase:
    """One word or phrase of the local vocabulary, normalised into its words."""
    if value is None or (isinstance(value, str) and not normalise(value)):
        raise FlowError(source, path, "needs letters or digits", "empty")
    text = _text(value, source, path)
    words = tuple(normalise(text).split())
    if len(text) > MAX_ENTRY_CHARS or len(words) > MAX_ENTRY_WORDS:
        raise FlowError(source, path, f"is too long (at most {MAX_ENTRY_WORDS} words and {MAX_ENTRY_CHARS} "
                        "characters)", "too_long", entry=text[:MAX_ENTRY_CHARS] + "…",
                        words=str(MAX_ENTRY_WORDS), chars=str(MAX_ENTRY_CHARS))
    return words


def _parse_intents(raw: Any, nodes: Mapping[str, Node], source: str) -> dict[str, str]:
    """Where free text of each meaning leads (at the first message and at the menu)."""
    data = _mapping(raw, source, "intents")
    _only(data, set(_ROUTED_INTENTS), source, "intents")
    return {str(name): _target(target, nodes, source, f"intents.{name}") for name, target in data.items()}


def _parse_messages(raw: Any, source: str) -> Messages:
    data = _mapping(raw, source, "messages")
    _only(data, set(_MESSAGE_NAMES) | set(_OPTIONAL_MESSAGES), source, "messages")
    optional = {name: _optional_text(data.get(name), source, f"messages.{name}") for name in _OPTIONAL_MESSAGES}
    return Messages(**{name: _text(data.get(name), source, f"messages.{name}") for name in _MESSAGE_NAMES},
                    **optional)


def _check_targets(node: Node, nodes: Mapping[str, Node], source: str) -> None:
    path = f"nodes.{node.id}"
    for name in ("next", "wait_at"):
        value = getattr(node, name)
        if value is not None:
            _target(value, nodes, source, f"{path}.{name}")
    if node.wait_at is not None and NODE_TYPES[nodes[node.wait_at].type].receive is None:
        raise FlowError(source, f"{path}.wait_at", f"{node.wait_at!r} does not wait for input")
    for i, option in enumerate(node.options):
        _target(option.next, nodes, source, f"{path}.options.{i}.next")


def _target(value: Any, nodes: Mapping[str, Node], source: str, path: str) -> str:
    name = _text(value, source, path)
    if name not in nodes:
        raise FlowError(source, path, f"points to {name!r}, which is not a node")
    return name


def _mapping(value: Any, source: str, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FlowError(source, path or "(top)", f"expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, source: str, path: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, list):
        raise FlowError(source, path, f"expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, source: str, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        hint = " (quote yes/no/on/off in YAML)" if isinstance(value, bool) else ""
        raise FlowError(source, path, f"expected text, got {value!r}{hint}")
    text = str(value).strip()
    if not text:
        raise FlowError(source, path, "must not be empty")
    return text


def _optional_text(value: Any, source: str, path: str) -> str | None:
    return None if value is None else _text(value, source, path)


def _only(data: Mapping[str, Any], allowed: set[str], source: str, path: str) -> None:
    for name in data:
        if name not in allowed:
            where = f"{path}.{name}" if path else str(name)
            raise FlowError(source, where, f"unknown field {name!r}")
