"""The flask commands: flows check, translations check, and chat through the real webhook."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from bot import ConfigError, create_app
from bot.engine import FlowError
from tests.conftest import ROOT


@pytest.fixture
def local_app(redis_url, clock):
    return create_app({"mode": "local", "redis_url": redis_url, "extra": {"clock": clock}})


def test_flows_check_passes_on_the_shipped_flows(local_app):
    result = local_app.test_cli_runner().invoke(args=["flows", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: flow 'main'" in result.output


def test_translations_check_passes_on_the_shipped_translations(local_app):
    result = local_app.test_cli_runner().invoke(args=["translations", "check"])
    assert result.exit_code == 0, result.output
    assert "keys in en and es" in result.output


def flask(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TWILIO_"))}
    environ.update(LINE_MODE="local", **env)
    flask_bin = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask_bin, "--app", "wsgi", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=60)


def test_a_broken_flow_file_fails_with_the_file_and_path(tmp_path, redis_url):
    shutil.copy(os.path.join(ROOT, "flows", "main.yml"), tmp_path / "main.yml")
    text = (tmp_path / "main.yml").read_text().replace("next: ask_when", "next: ask_wen", 1)
    (tmp_path / "main.yml").write_text(text)
    result = flask(["flows", "check"], LINE_FLOWS_DIR=str(tmp_path), REDIS_URL=redis_url)
    assert result.returncode == 1
    assert "main.yml: nodes.ask_where.next: points to 'ask_wen', which is not a node" in result.stderr
    with pytest.raises(FlowError):
        create_app({"mode": "local", "redis_url": redis_url, "flows_dir": str(tmp_path)})


def test_a_missing_spanish_translation_stops_start_up(tmp_path, redis_url):
    for name in os.listdir(os.path.join(ROOT, "translations")):
        shutil.copy(os.path.join(ROOT, "translations", name), tmp_path / name)
    es = (tmp_path / "flows.es.yml").read_text()
    (tmp_path / "flows.es.yml").write_text(re.sub(r"\n  ask_when: .*", "", es))
    result = flask(["translations", "check"], LINE_TRANSLATIONS_DIR=str(tmp_path), REDIS_URL=redis_url)
    assert result.returncode == 1
    assert "flows.ask_when: missing in 'es'" in result.stderr
    with pytest.raises(ConfigError, match="flows.ask_when: missing in 'es'"):
        create_app({"mode": "local", "redis_url": redis_url, "translations_dir": str(tmp_path)})


def test_chat_talks_spanish_through_the_webhook_and_shows_the_officer_notification(local_app):
    script = "2\nme robaron la bicicleta\nsaltar\nsaltar\nsaltar\nno\nno\n"
    result = local_app.test_cli_runner().invoke(args=["chat", "--lang", "es", "--from", "+15559990000"],
                                                input=script)
    assert result.exit_code == 0, result.output
    assert "Bien, le escribiremos en español." in result.output
    assert "¿Qué pasó?" in result.output
    code = re.search(r"Su código es ([2-9A-Z]{4}-[2-9A-Z]{4})", result.output).group(1)
    assert re.search(rf"officer \+15550100001> New tip {code}", result.output)
    assert "What: me robaron la bicicleta" in result.output


def test_nlu_classify_prints_language_and_intent_per_line(local_app):
    script = "hola me pasaron este numero\nla policia pregunta si tengo papeles?\nestan disparando ahorita\n" \
             "no me manden mas mensajes\nEnglish please\npara mi hermano\n"
    result = local_app.test_cli_runner().invoke(args=["nlu", "classify"], input=script)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["es\tgreet", "es\timmigration", "es\temergency", "es\tstop",
                                          "en\tlang_en", "es\tother"]


def test_nlu_evaluate_prints_the_figures_and_the_misses(local_app, tmp_path):
    data = tmp_path / "set.tsv"
    data.write_text("reply_lang\tintent\ttext\nes\tgreet\thola\nen\temergency\tsomeone is shooting now\n"
                    "en\tgreet\tSTOP\n", encoding="utf-8")
    result = local_app.test_cli_runner().invoke(args=["nlu", "evaluate", str(data)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:7] == ["messages: 3", "language accuracy: 100.0% (3/3)", "intent accuracy: 66.7% (2/3)",
                         "emergency recall: 100.0% (1/1)", "stop precision: 0.0% (0/1)", "stop recall: 100.0% (0/0)",
                         "misclassified: 1"]
    assert lines[7] == "  expected en/greet, got en/stop: STOP"
    during = local_app.test_cli_runner().invoke(args=["nlu", "evaluate", str(data), "--state", "interview"])
    assert during.output.splitlines() == ["state: interview", "emergency recall: 100.0% (1/1)",
                                          "false alarms on tips: 0.0% (0/0)"]


def test_users_create_asks_for_the_password_twice_and_never_has_a_default(local_app):
    runner = local_app.test_cli_runner()
    assert runner.invoke(args=["users", "list"]).output == ""
    result = runner.invoke(args=["users", "create", "maria", "--role", "officer"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0 and "created officer 'maria'" in result.output
    assert "a long enough password" not in result.output  # hidden input
    assert runner.invoke(args=["users", "list"]).output == "maria\tofficer\tpassword, no second factor\n"
    accounts = local_app.extensions["linea"].accounts
    assert accounts.authenticate("maria", "a long enough password") is not None


def test_a_command_that_would_miss_the_started_line_says_so(local_app, tmp_path, monkeypatch):
    (tmp_path / "line.env").write_text("LINE_MODE=local\nREDIS_URL=redis://127.0.0.1:6380/0\n")
    monkeypatch.setenv("LINE_RUN_DIR", str(tmp_path))
    result = local_app.test_cli_runner().invoke(args=["users", "list"])
    assert "the line ./line.sh start started uses redis://127.0.0.1:6380/0" in result.stderr
    assert "./line.sh flask" in result.stderr
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6380/0")  # set on purpose: no warning
    assert local_app.test_cli_runner().invoke(args=["users", "list"]).stderr == ""


def test_a_piped_password_is_read_without_a_prompt_or_a_warning(local_app):
    result = local_app.test_cli_runner().invoke(
        args=["users", "create", "jose", "--role", "officer"], input="a long enough password\n")
    assert result.exit_code == 0 and result.stdout == "created officer 'jose'\n" and result.stderr == ""
    assert local_app.extensions["linea"].accounts.authenticate("jose", "a long enough password") is not None


@pytest.mark.parametrize("args, password, error", [
    (["users", "create", "jose", "--role", "officer"], "short\nshort\n", "at least 12 characters"),
    (["users", "create", "jose", "--role", "sheriff"], "", "Invalid value for '--role'"),
    (["users", "create", "jose"], "", "Missing option '--role'"),
    (["users", "create", "maria", "--role", "admin"], "another long password\nanother long password\n",
     "already exists"),
    (["users", "password", "nobody"], "another long password\nanother long password\n", "no user named"),
    (["users", "disable", "nobody"], "", "no user named"),
    (["users", "create", "jose", "--role", "officer"], "a long enough password\nanother one entirely\n", "differ"),
    (["users", "create", "jose", "--role", "officer"], "", "no password given"),
])
def test_users_commands_refuse_bad_input(local_app, args, password, error):
    runner = local_app.test_cli_runner()
    runner.invoke(args=["users", "create", "maria", "--role", "officer", "--password", "a long enough password"])
    result = runner.invoke(args=args, input=password)
    assert result.exit_code != 0 and error in result.output
    assert [u.name for u in local_app.extensions["linea"].accounts.all()] == ["maria"]


def test_users_disable_and_password_end_sessions(local_app):
    runner = local_app.test_cli_runner()
    runner.invoke(args=["users", "create", "maria", "--role", "admin", "--password", "a long enough password"])
    accounts = local_app.extensions["linea"].accounts
    token = accounts.start_session(accounts.get("maria"), "127.0.0.1")
    assert runner.invoke(args=["users", "disable", "maria"]).exit_code == 0
    assert accounts.session(token) is None and accounts.authenticate("maria", "a long enough password") is None
    assert "maria\tadmin\tpassword, no second factor\tdisabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "disable", "maria", "--enable"]).exit_code == 0
    token = accounts.start_session(accounts.get("maria"), "127.0.0.1")
    result = runner.invoke(args=["users", "password", "maria", "--password", "a brand new password"])
    assert result.exit_code == 0 and accounts.session(token) is None
    assert accounts.authenticate("maria", "a brand new password") is not None


def test_flows_check_runs_the_safety_lint_on_the_shipped_texts(redis_url, clock, tmp_path):
    shutil.copytree(os.path.join(ROOT, "translations"), tmp_path / "t")
    spanish = tmp_path / "t" / "flows.es.yml"
    text = spanish.read_text(encoding="utf-8")
    spanish.write_text(text.replace('ask_who: "', 'ask_who: "¿Tiene papeles? ', 1), encoding="utf-8")
    app = create_app({"mode": "local", "redis_url": redis_url, "translations_dir": str(tmp_path / "t"),
                      "extra": {"clock": clock}})
    result = app.test_cli_runner().invoke(args=["flows", "check"])
    assert result.exit_code == 1 and "error: nodes.ask_who.prompt [es]: asks about immigration status" in result.output


def test_flows_export_and_import_round_trip(local_app, tmp_path):
    runner = local_app.test_cli_runner()
    path = tmp_path / "flow.yml"
    assert runner.invoke(args=["flows", "export", str(path)]).output == f"wrote revision 0 to {path}\n"
    path.write_text(path.read_text(encoding="utf-8").replace("¿Qué pasó?", "¿Qué ocurrió?", 1), encoding="utf-8")
    result = runner.invoke(args=["flows", "import", str(path)])
    assert result.exit_code == 0 and "saved as the draft (0 errors, 0 warnings)" in result.output
    draft = local_app.extensions["linea"].library.draft()[0]
    assert draft.texts["es"]["flows.ask_what"].startswith("¿Qué ocurrió?")
    (tmp_path / "bad.yml").write_text("- not an export", encoding="utf-8")
    bad = runner.invoke(args=["flows", "import", str(tmp_path / "bad.yml")])
    assert bad.exit_code == 1 and "expected a Línea Segura export" in bad.output
