"""One module owns each outside thing, so swapping it is a one-file change."""
from __future__ import annotations

import ast
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = sorted(p for p in glob.glob(os.path.join(ROOT, "bot", "**", "*.py"), recursive=True))


def rel(path: str) -> str:
    return os.path.relpath(path, ROOT)


def top_imports(path: str) -> set[str]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


OWNERS = {
    "i18n": {"bot/i18n.py"},                                   # python-i18n
    "yaml": {"bot/flows.py"},                                  # flow files
    "twilio": {"bot/channels/twilio.py", "bot/channels/outbound.py"},
    "PIL": {"bot/media.py"},                                   # image decoding and re-encoding
}


@pytest.mark.parametrize("package, owners", sorted(OWNERS.items()))
def test_only_the_owner_imports(package, owners):
    importers = {rel(p) for p in SOURCES if package in top_imports(p)}
    assert importers == owners


REPOSITORIES = {"bot/store.py", "bot/tips.py", "bot/handles.py", "bot/deliveries.py", "bot/accounts.py",
                "bot/audit.py", "bot/photos.py", "bot/stats.py", "bot/flow_library.py", "bot/duty.py"}


def test_redis_keys_are_spelled_only_in_the_repository_modules():
    spelled = {rel(p) for p in SOURCES if re.search(r"[\"']ls:|PREFIX}", open(p, encoding="utf-8").read())}
    assert spelled <= REPOSITORIES


def test_no_module_sets_a_global_locale():
    for path in SOURCES:
        text = open(path, encoding="utf-8").read()
        assert not re.search(r"""set\(\s*["']locale["']""", text), f"{rel(path)} sets python-i18n's global locale"


def test_every_translation_call_passes_a_locale():
    text = open(os.path.join(ROOT, "bot", "i18n.py"), encoding="utf-8").read()
    calls = re.findall(r"i18n\.t\((.*?)\)", text)
    assert calls and all("locale=" in call for call in calls)
