"""Load and validate the YAML flows in flows/ (the only reader of that folder), and read and write the
YAML of editable bundles (a flow with its en/es texts) for the editor, import and export."""
from __future__ import annotations

import os

import yaml

from bot.engine import Flow, FlowError, check_flow, parse_flow


def load_flow_file(path: str) -> Flow:
    """Parse and check one flow file; raise FlowError naming the file and the path inside it."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(path, "(file)", f"cannot read: {exc}") from exc
    return parse_flow_text(text, path)


def parse_flow_text(text: str, source: str) -> Flow:
    """Parse and check a flow from YAML text; raise FlowError naming the source and the path inside it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FlowError(source, "(yaml)", f"not valid YAML: {exc}") from exc
    flow = parse_flow(data, source=source)
    problems = check_flow(flow)
    if problems:
        raise FlowError(source, problems[0].split(":", 1)[0], "; ".join(problems))
    return flow


def flow_data(text: str) -> dict:
    """A flow's YAML text as plain data, as written (the editor shows a coordinator's spelling); {} if unreadable."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def yaml_inline(value: list | dict) -> str:
    """A list or mapping as one line of YAML flow style, quoted wherever YAML needs it (for line-based edits)."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 30, sort_keys=False).strip()


def load_flows(directory: str) -> dict[str, Flow]:
    """Load every *.yml flow in a directory, keyed by flow id; ids must be unique."""
    flows: dict[str, Flow] = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yml", ".yaml")):
            continue
        path = os.path.join(directory, name)
        flow = load_flow_file(path)
        if flow.id in flows:
            raise FlowError(path, "id", f"flow id {flow.id!r} is used by another file too")
        flows[flow.id] = flow
    if not flows:
        raise FlowError(directory, "(folder)", "no flow files (*.yml) found")
    return flows


def read_texts(directory: str, namespace: str = "flows") -> dict[str, dict[str, str]]:
    """The texts of one translation namespace as {locale: {"flows.key": text}} (for the editor's bundle)."""
    texts: dict[str, dict[str, str]] = {}
    for locale in ("en", "es"):
        with open(os.path.join(directory, f"{namespace}.{locale}.yml"), encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        texts[locale] = {f"{namespace}.{key}": str(value) for key, value in (data.get(locale) or {}).items()}
    return texts


def dump_bundle(data: dict) -> str:
    """A bundle (flow text, texts, review) as one YAML document a department can keep in git."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def load_bundle(text: str) -> dict:
    """Read an exported bundle; raise ValueError with a clear message when it is not one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("flow"), str) or not isinstance(data.get("texts"), dict):
        raise ValueError("expected a Línea Segura export: a mapping with 'flow' (text) and 'texts' (en, es)")
    return data
