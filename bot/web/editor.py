"""The coordinators' flow editor: draft, checks, preview, publish, revisions, revert, import and export."""
from __future__ import annotations

import json
from dataclasses import replace

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from bot.engine import (EngineError, Flow, Inbound, State, SubmitTip, TextPlace, advance, nlu, policy_keys,
                        texts_in_order)
from bot.flows import i18n
from bot.flows.check import SAMPLE_PARAMS, Report, check_bundle
from bot.flows.edit import VOCABULARY, EditError, VocabularyError, add_question, remove_question, set_vocabulary, \
    vocabulary_of
from bot.flows.files import dump_bundle, load_bundle
from bot.flows.library import Bundle, bundle_from_export
from bot.services import Services, current_services
from bot.tips.repository import new_code
from bot.understanding.models import hints
from bot.understanding.safety_gate import Regression, SafetyFigures, labelled_examples, regressions, safety_figures

from .auth import audit, requires
from .present import Labels

bp = Blueprint("editor", __name__, url_prefix="/dashboard/flows", template_folder="templates")
DRAFT_OVERLAY = "draft."
MAX_IMPORT_BYTES = 512 * 1024
PREVIEW_TURNS = 40


def _draft(services: Services) -> tuple[Bundle, str, float]:
    """The shared draft, or a copy of the current revision to start one from."""
    draft = services.library.draft()
    if draft is not None:
        return draft
    current = services.library.get(services.revisions.current_revision()) or services.library.get(0)
    return current.bundle, "", 0.0


def _policy_changed(services: Services, bundle: Bundle, report: Report) -> bool:
    """Whether publishing this bundle would change the immigration-policy wording or its review record."""
    current = services.library.get(services.revisions.current_revision()) or services.library.get(0)
    keys = policy_keys(report.flow) if report.flow else set()
    return any(bundle.texts.get(loc, {}).get(k) != current.bundle.texts.get(loc, {}).get(k)
               for k in keys for loc in ("en", "es")) or (
        (bundle.policy_reviewer, bundle.policy_reviewed_on)
        != (current.bundle.policy_reviewer, current.bundle.policy_reviewed_on))


_published_figures: dict[str, SafetyFigures] = {}  # the published flow's, by its YAML text, once per process


def safety_problems(services: Services, flow: Flow) -> list[Regression]:
    """Why publishing this flow would make the line less safe than the published revision (the safety gate:
    every labelled message replayed with both); empty when it is at least as safe, or only its texts differ."""
    number = services.revisions.current_revision()
    published = services.revisions.flow_for(number)
    if flow == published:
        return []
    revision = services.library.get(number) or services.library.get(0)
    key = revision.bundle.flow
    if key not in _published_figures:
        _published_figures.clear()
        _published_figures[key] = safety_figures(published)
    return regressions(_published_figures[key], safety_figures(flow))


def _overview(error: str = "", done: str = "", safety: list[Regression] | None = None, status: int = 200) -> Response:
    services = current_services()
    number = services.revisions.current_revision()
    page = render_template("admin/flows.html", current=services.library.get(number), history=services.library.history(),
                           draft=services.library.draft(), error=error, done=done, safety=safety or [],
                           labelled=len(labelled_examples()))
    return Response(page, status)


@bp.get("/")
@requires("coordinator")
def overview() -> Response:
    """The current revision, the draft, and every published revision with a revert button."""
    return _overview(request.args.get("error", ""), request.args.get("done", ""))


@bp.route("/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit() -> str | Response:
    """Edit the draft: texts side by side, the structure as YAML, an outline, and every check inline."""
    services = current_services()
    bundle, author, at = _draft(services)
    if request.method == "POST":
        bundle = _bundle_from_form(bundle)
        services.library.save_draft(bundle, g.session.user.name, services.clock())
        audit().write(g.session.user.name, "flow_draft_saved")
        return redirect(url_for("editor.edit", saved="1"))
    report = check_bundle(bundle)
    places = [p for p in (texts_in_order(report.flow) if report.flow else []) if p.key.startswith("flows.")]
    listed = {p.key for p in places}
    extra = sorted((set(bundle.texts.get("en", {})) | set(bundle.texts.get("es", {}))) - listed)
    labels = Labels(services.config.officer_locale)
    rows = [(p.key, step_name(p, labels)) for p in places] + [(key, labels.t("step_unused")) for key in extra]
    sms = {(row.key, row.locale): row for row in report.sms}
    policy = policy_keys(report.flow) if report.flow else set()
    return render_template("admin/flow_edit.html", bundle=bundle, report=report, rows=rows, sms=sms, policy=policy,
                           samples=SAMPLE_PARAMS,
                           author=author, at=at, saved=request.args.get("saved"),
                           problem=request.args.get("problem", "")[:300],
                           policy_changed=_policy_changed(services, bundle, report))


def step_name(place: TextPlace, labels: Labels) -> str:
    """The plain-language name of where a text is sent ("Interview question: Where")."""
    if place.node is None:
        return labels.t(f"step_message_{place.role}") if labels.has(f"step_message_{place.role}") \
            else labels.t("step_message", name=place.role.replace("_", " "))
    if labels.has(f"step_{place.node}"):
        name = labels.t(f"step_{place.node}")
    elif place.node_type == "question" and place.field:
        name = labels.t("step_question", field=labels.field(place.field).replace("_", " "))
    else:
        name = labels.t("step_type_" + place.node_type, name=place.node.replace("_", " "))
    return name + (labels.t("step_invalid_suffix") if place.role == "invalid" else "")


def _bundle_from_form(old: Bundle) -> Bundle:
    texts: dict[str, dict[str, str]] = {"en": {}, "es": {}}
    for name, value in request.form.items():
        if name.startswith("text::"):
            _, locale, key = name.split("::", 2)
            if locale in texts and key.startswith("flows.") and len(key) <= 100:
                texts[locale][key] = value.replace("\r\n", "\n").strip()
    user = g.session.user
    return Bundle(flow=request.form.get("flow", old.flow).replace("\r\n", "\n"), texts=texts,
                  policy_reviewer=(request.form.get("policy_reviewer", old.policy_reviewer) if user.can("admin")
                                   else old.policy_reviewer).strip()[:100],
                  policy_reviewed_on=(request.form.get("policy_reviewed_on", old.policy_reviewed_on)
                                      if user.can("admin") else old.policy_reviewed_on).strip()[:20])


@bp.post("/questions/add")
@requires("coordinator")
def add_question_view() -> Response:
    """Add an interview question after another, with its Spanish and English text, to the draft."""
    services = current_services()
    bundle, _, _ = _draft(services)
    es, en = (str(request.form.get(n, "")).strip()[:600] for n in ("es", "en"))
    try:
        if not es or not en:
            raise EditError("write the question in Spanish and in English")
        flow, key = add_question(bundle.flow, str(request.form.get("after", "")),
                                 str(request.form.get("name", "")).strip().lower())
    except EditError as exc:
        return redirect(url_for("editor.edit", problem=str(exc)))
    texts = {locale: dict(values) for locale, values in bundle.texts.items()}
    texts.setdefault("es", {})[key], texts.setdefault("en", {})[key] = es, en
    return _save_edited(services, replace(bundle, flow=flow, texts=texts), "flow_question_added", key)


@bp.post("/questions/remove")
@requires("coordinator")
def remove_question_view() -> Response:
    """Take an interview question out of the draft (its texts go too)."""
    services = current_services()
    bundle, _, _ = _draft(services)
    node_id = str(request.form.get("node", ""))
    try:
        flow, removed = remove_question(bundle.flow, node_id)
    except EditError as exc:
        return redirect(url_for("editor.edit", problem=str(exc)))
    texts = {locale: {k: v for k, v in values.items() if k != removed} for locale, values in bundle.texts.items()}
    return _save_edited(services, replace(bundle, flow=flow, texts=texts), "flow_question_removed", node_id)


def _save_edited(services: Services, bundle: Bundle, action: str, detail: str, page: str = "editor.edit") -> Response:
    """Store a structural edit as the draft, audit it, and show the edit page (or another) with its checks."""
    services.library.save_draft(bundle, g.session.user.name, services.clock())
    audit().write(g.session.user.name, action, detail=detail)
    return redirect(url_for(page, saved="1"))


@bp.route("/vocabulary", methods=["GET", "POST"])
@requires("coordinator")
def vocabulary() -> Response:
    """The flow's own word lists (emergency, stop, immigration, slang, streets), one box per group: saved into the
    draft, then checked, tried, published (through the safety gate) and reverted like any change of the flow."""
    services = current_services()
    bundle, _, _ = _draft(services)
    shown, problem, group, status = vocabulary_of(bundle.flow), "", "", 200
    if request.method == "POST":
        form = {name: str(request.form[name]) for name in VOCABULARY if name in request.form}  # others: as they are
        shown.update(form)
        try:
            flow = set_vocabulary(bundle.flow, form)
        except EditError as exc:  # said in the officer's language, with the box it is about; the draft is unchanged
            problem, status = _vocabulary_problem(exc), 400
            group = exc.group if isinstance(exc, VocabularyError) else ""
        else:
            return _save_edited(services, replace(bundle, flow=flow), "flow_vocabulary_saved", "vocabulary",
                                page="editor.vocabulary")
    page = render_template("admin/flow_vocabulary.html", groups=VOCABULARY, shown=shown, problem=problem,
                           problem_group=group, report=check_bundle(bundle), saved=request.args.get("saved"))
    return Response(page, status)


def _vocabulary_problem(exc: EditError) -> str:
    """Why a vocabulary edit was refused, in the officer's language ("Streets: 'stop' is also a STOP word ...")."""
    labels = Labels(current_services().config.officer_locale)
    if not isinstance(exc, VocabularyError):
        return str(exc)
    key = f"vocab_error_{exc.code}" if labels.has(f"vocab_error_{exc.code}") else "vocab_error_invalid"
    reason = labels.t(key, **{"detail": str(exc), **exc.params})
    return f"{labels.t('vocab_group_' + exc.group)}: {reason}" if exc.group else reason


@bp.post("/publish")
@requires("coordinator")
def publish() -> Response:
    """Publish the draft if it passes every check; the policy wording needs an admin and a review record."""
    services = current_services()
    draft = services.library.draft()
    if draft is None:
        return redirect(url_for("editor.overview", error="no_draft"))
    bundle = draft[0]
    report = check_bundle(bundle)
    if report.errors:
        return redirect(url_for("editor.overview", error="draft_has_errors"))
    if _policy_changed(services, bundle, report):
        if not g.session.user.can("admin"):
            return redirect(url_for("editor.overview", error="policy_needs_admin"))
        if not (bundle.policy_reviewer and bundle.policy_reviewed_on):
            return redirect(url_for("editor.overview", error="policy_needs_review"))
    comment = str(request.form.get("comment", "")).strip()
    if not comment:
        return redirect(url_for("editor.overview", error="comment_needed"))
    problems = safety_problems(services, report.flow)
    if problems:
        audit().write(g.session.user.name, "flow_publish_blocked", detail=str(problems[0]))
        return _overview("less_safe", safety=problems, status=409)
    number = services.revisions.publish(bundle, g.session.user.name, comment)
    services.library.discard_draft()
    audit().write(g.session.user.name, "flow_publish", detail=f"revision {number}")
    return redirect(url_for("editor.overview", done="published"))


@bp.post("/revert/<int:number>")
@requires("coordinator")
def revert(number: int) -> Response:
    """Publish an earlier revision's content again as a new revision."""
    services = current_services()
    revision = services.library.get(number)
    if revision is None:
        abort(404)
    report = check_bundle(revision.bundle)
    if report.errors:  # e.g. the shipped texts it relied on have changed since
        return redirect(url_for("editor.overview", error="draft_has_errors"))
    if _policy_changed(services, revision.bundle, report) and not g.session.user.can("admin"):
        return redirect(url_for("editor.overview", error="policy_needs_admin"))
    problems = safety_problems(services, report.flow)
    if problems:
        audit().write(g.session.user.name, "flow_revert_blocked", detail=str(problems[0]))
        return _overview("less_safe", safety=problems, status=409)
    new = services.revisions.publish(revision.bundle, g.session.user.name, f"revert to revision {number}",
                                     reverts=number)
    audit().write(g.session.user.name, "flow_revert", detail=f"revision {new} = revision {number}")
    return redirect(url_for("editor.overview", done="reverted"))


@bp.post("/discard")
@requires("coordinator")
def discard() -> Response:
    """Throw the draft away."""
    current_services().library.discard_draft()
    audit().write(g.session.user.name, "flow_draft_discarded")
    return redirect(url_for("editor.overview"))


@bp.get("/export/<int:number>")
@requires("coordinator")
def export(number: int) -> Response:
    """One revision as a YAML file to keep in git (import it back as a draft)."""
    revision = current_services().library.get(number)
    if revision is None:
        abort(404)
    return Response(dump_bundle(revision.bundle.export()), mimetype="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="linea-flow-revision-{number}.yml"'})


@bp.post("/import")
@requires("coordinator")
def import_file() -> Response:
    """Make an exported file the draft (it is checked like any draft before it can be published)."""
    upload = request.files.get("file")
    raw = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    try:
        if not raw or len(raw) > MAX_IMPORT_BYTES:
            raise ValueError("choose an exported .yml file under 512 KB")
        data = load_bundle(raw.decode("utf-8"))
        bundle = bundle_from_export(data)
    except (ValueError, UnicodeDecodeError):
        return redirect(url_for("editor.overview", error="bad_import"))
    services = current_services()
    services.library.save_draft(bundle, g.session.user.name, services.clock())
    audit().write(g.session.user.name, "flow_import")
    return redirect(url_for("editor.edit"))


@bp.route("/preview", methods=["GET", "POST"])
@requires("coordinator")
def preview() -> str | Response:
    """Talk to the draft as a resident would: the production engine, the draft's flow and texts, no effects."""
    services = current_services()
    bundle, _, _ = _draft(services)
    report = check_bundle(bundle)
    key = f"preview:{g.session.user.name}"
    saved = json.loads(services.library.scratch(key) or '{"state": null, "turns": []}')
    if request.method == "POST":
        if request.form.get("reset") or report.flow is None:
            saved = {"state": None, "turns": []}
        else:
            text = str(request.form.get("text", ""))[:1600]
            try:
                saved = _preview_turn(services, bundle, report, saved, text)
            except (EngineError, i18n.TranslationError) as exc:  # a draft may be broken: say so, never a 500
                saved["turns"] = (saved["turns"] + [{"in": text, "out": [f"(the draft cannot answer: {exc})"]}])[
                    -PREVIEW_TURNS:]
        services.library.keep_scratch(key, json.dumps(saved))
        return redirect(url_for("editor.preview"))
    return render_template("admin/flow_preview.html", turns=saved["turns"], report=report)


def _preview_turn(services: Services, bundle: Bundle, report: Report, saved: dict, text: str) -> dict:
    i18n.install_overlay(DRAFT_OVERLAY, bundle.texts)
    state = State.from_dict(saved["state"]) if saved["state"] else None
    language, intent, confidence = hints(nlu.model_text(text, report.flow.keywords.local))
    outcome = advance(report.flow, state, Inbound(text=text, fresh_code=new_code(), language_hint=language,
                                                   intent_hint=intent, intent_confidence=confidence),
                      services.clock(), expire_after=services.config.conversation_ttl)
    notice = services.renderer.params
    locales = (outcome.state.locale,) if outcome.state.locale else ("es", "en")
    answers = [i18n.render(reply, locale, notice, DRAFT_OVERLAY) for reply in outcome.replies for locale in locales]
    notes = [f"(a tip {effect.code} would be sent to officers)" for effect in outcome.effects
             if isinstance(effect, SubmitTip)]
    turns = (saved["turns"] + [{"in": text, "out": answers + notes}])[-PREVIEW_TURNS:]
    return {"state": outcome.state.to_dict(), "turns": turns}
