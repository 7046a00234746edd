"""Flask CLI commands: flows check, translations check, and chat (a terminal resident on the real webhook)."""
from __future__ import annotations

import logging
import os
import secrets
import sys
import xml.etree.ElementTree as ET

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bot.broadcasts.compose import check_texts
from bot.broadcasts.store import ApprovalError
from bot.broadcasts.subscribers import AUDIENCES
from bot.channels.twilio import public_url, signature
from bot.conversations.line import SHELL_KEYS
from bot.engine import FlowError, message_keys
from bot.flows import i18n
from bot.flows.check import check_bundle
from bot.flows.files import dump_bundle, load_bundle, load_flows
from bot.flows.library import bundle_from_export, shipped_bundle
from bot.officers.accounts import ROLES, AccountError
from bot.platform.config import PROJECT_ROOT
from bot.services import current_services
from bot.understanding.cross_validate import FOLDS, cross_validate
from bot.understanding.evaluation import evaluate, read_examples
from bot.understanding.in_conversation import STATES, evaluate_in
from bot.understanding.models import classify, hints, intent_only


def register(app: Flask) -> None:
    """Attach the line's commands to the app's CLI."""
    app.cli.add_command(flows_group)
    app.cli.add_command(translations_group)
    app.cli.add_command(chat)
    app.cli.add_command(nlu_group)
    app.cli.add_command(spool_group)
    app.cli.add_command(users_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(alerts_group)


flows_group = AppGroup("flows", help="Conversation flows.")


@flows_group.command("check")
def flows_check() -> None:
    """Load and check every flow in flows/; exit 1 on the first broken file."""
    config = current_services().config
    try:
        flows = load_flows(config.flows_dir)
    except FlowError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for flow in flows.values():
        click.echo(f"ok: flow {flow.id!r}: {len(flow.nodes)} nodes, {len(message_keys(flow))} message keys")
    report = check_bundle(shipped_bundle(config.flows_dir, config.translations_dir))
    for finding in report.findings:
        click.echo(f"{finding.level}: {finding.where}: {finding.message}", err=True)
    if report.errors:
        sys.exit(1)
    click.echo(f"ok: safety and SMS lint: {len(report.sms)} texts checked, "
               f"{len(report.findings)} warnings")


@flows_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--revision", type=int, default=None, help="A published revision (default: the current one).")
def flows_export(path: str, revision: int | None) -> None:
    """Write a revision (flow + en/es texts + policy review) to a YAML file, e.g. to keep it in git."""
    services = current_services()
    number = services.revisions.current_revision() if revision is None else revision
    found = services.library.get(number)
    if found is None:
        click.echo(f"error: no revision {number}", err=True)
        sys.exit(1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dump_bundle(found.bundle.export()))
    click.echo(f"wrote revision {number} to {path}")


@flows_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def flows_import(path: str) -> None:
    """Make an exported file the editor's draft (publish it from the dashboard after the checks pass)."""
    services = current_services()
    try:
        with open(path, encoding="utf-8") as handle:
            bundle = bundle_from_export(load_bundle(handle.read()))
    except (ValueError, UnicodeDecodeError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    services.library.save_draft(bundle, "cli", services.clock())
    report = check_bundle(bundle)
    for finding in report.findings:
        click.echo(f"{finding.level}: {finding.where}: {finding.message}", err=True)
    click.echo(f"saved as the draft ({len(report.errors)} errors, "
               f"{len(report.findings) - len(report.errors)} warnings)")


translations_group = AppGroup("translations", help="Translations of everything residents and officers read.")


@translations_group.command("check")
def translations_check() -> None:
    """Check en/es parity, placeholders, empty or non-text values; exit 1 on problems."""
    services = current_services()
    problems = i18n.check(message_keys(services.revisions.flow) | set(SHELL_KEYS))
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {len(i18n.catalog('en'))} keys in en and es")


@click.command("chat")
@with_appcontext
@click.option("--lang", type=click.Choice(["en", "es"]), default=None,
              help="Open the conversation in this language (sends ESPAÑOL or ENGLISH first).")
@click.option("--from", "sender", default=None, help="The resident's number (default: a random +1555... number).")
@click.option("--whatsapp", is_flag=True, help="Text over WhatsApp instead of SMS.")
@click.option("--worker/--no-worker", default=True, help="Run queued jobs after each message (default: on).")
def chat(lang: str | None, sender: str | None, whatsapp: bool, worker: bool) -> None:
    """Talk to the line in the terminal through the real webhook (signed when a Twilio token is set)."""
    app = current_app._get_current_object()
    services = current_services()
    logging.getLogger("linea").setLevel(logging.WARNING)  # the conversation, not the service log
    address = sender or f"+1555{secrets.randbelow(9_000_000) + 1_000_000}"
    if whatsapp and not address.startswith("whatsapp:"):
        address = "whatsapp:" + address
    if not services.config.local:
        click.echo("warning: production mode; officer notifications are real messages.", err=True)
    client = app.test_client()
    seen_outbox = {entry["id"] for entry in services.outbox.read()} if services.config.local else set()
    click.echo(f"Texting the line as {address}. Ctrl-D to quit.")

    def say(body: str) -> None:
        form = {"From": address, "To": services.config.sms_from or "+15550009999", "Body": body,
                "MessageSid": "SM" + secrets.token_hex(16), "NumMedia": "0"}
        headers = {}
        if services.config.twilio_auth_token and services.config.public_base_url:
            url = public_url(services.config.public_base_url, "/twilio/messages", b"")
            headers["X-Twilio-Signature"] = signature(services.config.twilio_auth_token, url, form)
        response = client.post("/twilio/messages", data=form, headers=headers)
        if response.status_code != 200:
            click.echo(f"[HTTP {response.status_code}] {response.get_data(as_text=True)}")
            return
        replies = [m.text or "" for m in ET.fromstring(response.get_data()).iter("Message")]
        for text in replies or ["(no reply: the line stays silent)"]:
            click.echo(click.style("line> ", fg="green") + text.replace("\n", "\n      "))
        if worker:
            SimpleWorker([services.queue], connection=services.redis, serializer=JSONSerializer).work(
                burst=True, logging_level="WARNING")
        if services.config.local:
            for entry in reversed(services.outbox.read()):
                if entry["id"] not in seen_outbox:
                    seen_outbox.add(entry["id"])
                    click.echo(click.style(f"officer {entry['to']}> ", fg="blue") + entry["body"])

    if lang:
        say("ESPAÑOL" if lang == "es" else "ENGLISH")
    while True:
        try:
            body = input(click.style("you> ", fg="yellow"))
        except EOFError:
            click.echo()
            return
        say(body)


nlu_group = AppGroup("nlu", help="What the line understands of free text (language and intent).")


@nlu_group.command("classify")
def nlu_classify() -> None:
    """Read one message per line on stdin; print LANG<TAB>INTENT for each (the webhook's own code)."""
    for text in sys.stdin:
        lang, intent = classify(text.rstrip("\n"))
        click.echo(f"{lang}\t{intent}")


@nlu_group.command("evaluate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--state", type=click.Choice(("first",) + STATES), default="first",
              help="first (default): each message opens a conversation. menu / interview: each emergency and tip is "
                   "sent at the menu, or as the answer to the interview's first question.")
def nlu_evaluate(path: str, state: str) -> None:
    """Language and intent accuracy, emergency recall, stop precision and recall on a labelled TSV file."""
    examples = read_examples(path)
    report = evaluate(examples, classify) if state == "first" else \
        evaluate_in(current_services().revisions.flow, examples, state, hints, intent_only)
    for text in report.lines():
        click.echo(text)


@nlu_group.command("cross-validate")
@click.option("--folds", type=click.IntRange(2, 20), default=FOLDS, show_default=True)
def nlu_cross_validate(folds: int) -> None:
    """Train on all labelled sets but a fold of the blind ones, measure that fold; every fold (~15 min)."""
    first, interview = cross_validate(current_services().revisions.flow, folds=folds,
                                      progress=lambda line: click.echo(line, err=True))
    for text in first.lines()[:7] + interview.lines()[1:3]:
        click.echo(text)


spool_group = AppGroup("spool", help="Messages kept on disk while Redis could not take them.")


@spool_group.command("drain")
def spool_drain() -> None:
    """Apply spooled messages now, in arrival order, and text their replies."""
    services = current_services()
    waiting = len(services.spool.pending())
    done = services.line.drain()
    click.echo(f"applied {done} of {waiting} spooled messages")


users_group = AppGroup("users", help="Dashboard accounts (officer, coordinator, admin). There are no default accounts.")


def _accounts():
    _warn_if_not_the_started_line()
    return current_services().accounts


def _warn_if_not_the_started_line() -> None:
    """`./line.sh start` records the Redis it uses; an account written elsewhere could never sign in there."""
    started = os.path.join(os.environ.get("LINE_RUN_DIR") or os.path.join(PROJECT_ROOT, ".run"), "line.env")
    if os.environ.get("REDIS_URL") or not os.path.exists(started):
        return
    with open(started, encoding="utf-8") as handle:
        recorded = dict(line.strip().split("=", 1) for line in handle if "=" in line)
    used = current_services().config.redis_url
    if recorded.get("REDIS_URL") and recorded["REDIS_URL"] != used:
        click.echo(f"warning: REDIS_URL is not set, so this uses {used}; the line ./line.sh start started uses "
                   f"{recorded['REDIS_URL']}. Run it as ./line.sh flask ... to reach that line.", err=True)


def password_option(help: str):  # noqa: A002 - click's own name for it
    """--password, else asked for twice at a terminal, else read from a pipe (see read_password)."""
    return click.option("--password", default=None, help=help + " Not given: asked for twice at a terminal, or the "
                        "first line of a pipe (a second line, if any, must repeat it).")


def read_password(given: str | None) -> str:
    """The password given, typed twice (hidden), or piped in: no terminal means no echo to turn off, so no
    prompt and no warning about it."""
    if given is not None:
        return given
    stdin = sys.stdin
    if stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    lines = stdin.read().splitlines()
    if not lines or not lines[0]:
        click.echo("error: no password given (pipe it in, or use --password)", err=True)
        sys.exit(1)
    if len(lines) > 1 and lines[1] != lines[0]:
        click.echo("error: the two passwords differ", err=True)
        sys.exit(1)
    return lines[0]


@users_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@password_option(help="At least 12 characters.")
def users_create(name: str, role: str, password: str | None) -> None:
    """Create an account with a role; the password is asked for (never a default)."""
    try:
        user = _accounts().create(name, role, read_password(password))
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created {user.role} {user.name!r}")


@users_group.command("list")
def users_list() -> None:
    """List the accounts: name, role, how they sign in, and whether they are disabled."""
    factors = current_services().second_factors
    for user in _accounts().all():
        if user.source == "sso":
            how = "single sign-on"
        else:
            how = "password + second factor" if factors.enrolled(user.name) else "password, no second factor"
        click.echo(f"{user.name}\t{user.role}\t{how}{chr(9) + 'disabled' if user.disabled else ''}")


@users_group.command("reset-mfa")
@click.argument("name")
def users_reset_mfa(name: str) -> None:
    """Remove a user's second factor (a lost phone): their sessions end and the next sign-in enrols again."""
    services = current_services()
    if _accounts().get(name) is None:
        click.echo(f"error: no user named {name!r}", err=True)
        sys.exit(1)
    services.second_factors.reset(name)
    services.accounts.end_sessions(name)
    services.audit.write("cli", "user_reset_mfa", detail=name)
    click.echo(f"second factor reset for {name!r}; their sessions were ended and the next sign-in enrols again")


@users_group.command("password")
@click.argument("name")
@password_option(help="The new password.")
def users_password(name: str, password: str | None) -> None:
    """Set a new password (ends the user's sessions)."""
    try:
        _accounts().set_password(name, read_password(password))
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"password changed for {name!r}; their sessions were ended")


@users_group.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
def users_disable(name: str, enable: bool) -> None:
    """Disable an account (ends its sessions at once), or enable it again."""
    try:
        _accounts().set_disabled(name, not enable)
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{'enabled' if enable else 'disabled'} {name!r}")


retention_group = AppGroup("retention", help="Deleting old data (the web app also queues this once a day).")


@retention_group.command("purge")
def retention_purge() -> None:
    """Delete tips and photos older than LINE_TIP_RETENTION_DAYS now (for cron, or by hand)."""
    from bot.jobs import purge_expired_tips
    counts = purge_expired_tips()
    click.echo(f"deleted {counts['tips']} tips and {counts['photos']} photos older than "
               f"{current_services().config.tip_retention_days} days")


alerts_group = AppGroup("alerts", help="Community alerts to residents who texted ALERTAS / ALERTS.")


@alerts_group.command("send")
@click.option("--en", "text_en", default="", help="The English text.")
@click.option("--es", "text_es", default="", help="The Spanish text.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="all", help="Everyone, or one language.")
@click.option("--approved-by", "approver", required=True,
              help="The coordinator or admin (a dashboard account) who approved this alert: the second person.")
@click.option("--at", "at", default="", help="Not before this local time, YYYY-MM-DDTHH:MM (default: now).")
def alerts_send(text_en: str, text_es: str, audience: str, approver: str, at: str) -> None:
    """Check, record and schedule an alert approved by a second person (quiet hours still apply)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    services = current_services()
    texts = {"en": text_en.strip(), "es": text_es.strip()}
    check = check_texts(texts, audience)
    if not check.ok:
        for problem in check.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    user = _accounts().get(approver)
    if user is None or not user.can("coordinator"):
        click.echo(f"error: {approver!r} is not a coordinator or admin account (flask users list)", err=True)
        sys.exit(1)
    send_after = 0.0
    if at:
        try:
            send_after = datetime.strptime(at, "%Y-%m-%dT%H:%M").replace(
                tzinfo=ZoneInfo(services.config.timezone)).timestamp()
        except ValueError:
            click.echo("error: --at must be YYYY-MM-DDTHH:MM (local time)", err=True)
            sys.exit(1)
    alert = services.broadcasts.create(texts, audience, "terminal", send_after)
    services.audit.write("terminal", "alert_create", detail=f"{alert.id} audience={audience}")
    try:
        alert = services.broadcasts.approve(alert.id, approver, services.broadcaster.starts_at(alert))
    except ApprovalError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    services.broadcaster.schedule(alert)
    services.audit.write(approver, "alert_approve", detail=f"{alert.id} from the terminal")
    segments = ", ".join(f"{locale} {n} SMS segments" for locale, n in check.segments.items())
    starts = datetime.fromtimestamp(alert.starts_at, ZoneInfo(services.config.timezone)).strftime("%Y-%m-%d %H:%M %Z")
    click.echo(f"alert {alert.id} approved by {approver}: {services.subscribers.count(audience)} subscribers "
               f"({segments}); starts {starts}")


@alerts_group.command("status")
@click.argument("alert_id")
def alerts_status(alert_id: str) -> None:
    """An alert's status and delivery counts."""
    alert = current_services().broadcasts.get(alert_id)
    if alert is None:
        click.echo(f"error: no alert {alert_id!r}", err=True)
        sys.exit(1)
    counts = ", ".join(f"{name} {n}" for name, n in sorted(alert.shown_counts.items()))
    click.echo(f"{alert.id} {alert.status}: {counts or 'nothing sent yet'}")
