"""Load and validate the YAML flows in flows/ (the only reader of that folder)."""
from __future__ import annotations

import os

import yaml

from .engine import Flow, FlowError, check_flow, parse_flow


def load_flow_file(path: str) -> Flow:
    """Parse and check one flow file; raise FlowError naming the file and the path inside it."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise FlowError(path, "(yaml)", f"not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(path, "(file)", f"cannot read: {exc}") from exc
    flow = parse_flow(data, source=path)
    problems = check_flow(flow)
    if problems:
        raise FlowError(path, problems[0].split(":", 1)[0], "; ".join(problems))
    return flow


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
