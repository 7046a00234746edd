"""The flow editor over HTTP: draft, checks, preview, publish, policy control, revert, import/export, and
conversations pinned to the revision they started on (real redis-server)."""
from __future__ import annotations

import html
import io
import re

import pytest

from tests.conftest import Staff, inbound_form, post_signed, replies

NEW_WHAT = "¿Qué pasó? Cuéntenos con sus palabras."


def form_for(bundle, flow: str | None = None, **changes: str) -> dict[str, str]:
    """The edit form as a browser would post it: every text, the structure, with some texts changed."""
    form = {"flow": flow if flow is not None else bundle.flow}
    for locale, texts in bundle.texts.items():
        for key, value in texts.items():
            form[f"text::{locale}::{key}"] = value
    for name, value in changes.items():
        form[name] = value
    return form


def draft_of(app):
    line = app.extensions["linea"]
    draft = line.library.draft()
    return draft[0] if draft else line.library.get(line.revisions.current_revision()).bundle


def save(staff, app, **changes) -> str:
    staff.get("/dashboard/flows/edit")
    response = staff.post("/dashboard/flows/edit", form_for(draft_of(app), **changes))
    assert response.status_code == 302 and response.location.endswith("/dashboard/flows/edit?saved=1")
    return staff.get(response.location).get_data(as_text=True)


def converse(client, sender: str, messages: list[str]) -> list[str]:
    texts: list[str] = []
    for body in messages:
        texts = replies(post_signed(client, inbound_form(sender, body)))
    return texts


def test_only_coordinators_and_admins_edit(app):
    assert Staff(app, "ofc", "officer").get("/dashboard/flows/").status_code == 403
    assert Staff(app, "coord", "coordinator").get("/dashboard/flows/").status_code == 200
    assert Staff(app, "boss", "admin").get("/dashboard/flows/edit").status_code == 200


def test_edit_preview_publish_and_conversations_keep_their_revision(app, client):
    coordinator = Staff(app, "coord", "coordinator")
    before = converse(client, "+15556660001", ["hola", "2"])  # started on revision 0, now at ask_what
    page = save(coordinator, app, **{"text::es::flows.ask_what": NEW_WHAT})
    assert "Draft saved." in page
    assert NEW_WHAT in page and "UCS-2" in page and 'id="no-findings"' in page

    coordinator.get("/dashboard/flows/preview")
    for text in ("hola", "2"):
        coordinator.post("/dashboard/flows/preview", {"text": text})
    preview = coordinator.get("/dashboard/flows/preview").get_data(as_text=True)
    assert NEW_WHAT in preview
    assert app.extensions["linea"].revisions.current_revision() == 0  # nothing published by a preview

    coordinator.get("/dashboard/flows/")
    assert "error=comment_needed" in coordinator.post("/dashboard/flows/publish", {"comment": ""}).location
    assert "done=published" in coordinator.post("/dashboard/flows/publish", {"comment": "clearer first question"}).location
    line = app.extensions["linea"]
    assert line.revisions.current_revision() == 1 and line.library.draft() is None
    assert NEW_WHAT in converse(client, "+15556660002", ["hola", "2"])[0]         # new conversations
    assert "¿Dónde pasó?" in converse(client, "+15556660001", ["me robaron"])[0]   # in flight: still revision 0
    state, _ = line.store.load(line.store.key("+15556660001"))
    assert state.revision == 0 and before
    assert ("coord", "flow_publish") in [(e.who, e.action) for e in app.extensions["linea"].audit.recent()]


def test_a_question_about_status_is_shown_and_cannot_be_published(app):
    coordinator = Staff(app, "coord", "coordinator")
    page = save(coordinator, app, **{"text::es::flows.ask_who": "¿Tiene papeles? ¿Quiénes estaban?"})
    assert "nodes.ask_who.prompt [es]" in page and "Residents who fear deportation" in page
    coordinator.get("/dashboard/flows/")
    assert "error=draft_has_errors" in coordinator.post("/dashboard/flows/publish", {"comment": "x"}).location
    assert app.extensions["linea"].revisions.current_revision() == 0


def test_the_policy_wording_needs_an_admin_and_a_review_record(app):
    coordinator = Staff(app, "coord", "coordinator")
    new_policy = "La policía de esta ciudad no pregunta por su estatus migratorio. Revisado por la oficina legal."
    save(coordinator, app, **{"text::es::flows.policy": new_policy})
    coordinator.get("/dashboard/flows/")
    assert "policy_needs_admin" in coordinator.post("/dashboard/flows/publish", {"comment": "x"}).location
    admin = Staff(app, "boss", "admin")
    admin.get("/dashboard/flows/")
    assert "policy_needs_review" in admin.post("/dashboard/flows/publish", {"comment": "x"}).location
    save(admin, app, policy_reviewer="Lic. Ana Ruiz, City Attorney", policy_reviewed_on="2026-11-20")
    admin.get("/dashboard/flows/")
    assert "done=published" in admin.post("/dashboard/flows/publish", {"comment": "legal review"}).location
    overview = admin.get("/dashboard/flows/").get_data(as_text=True)
    assert "Lic. Ana Ruiz, City Attorney, 2026-11-20" in overview


WARNING = 'id="policy-review-warning"'


def test_every_dashboard_page_warns_until_the_legal_review_is_recorded(app):
    officer, admin = Staff(app, "maria"), Staff(app, "boss", "admin")
    pages = ["/dashboard/tips", "/dashboard/flows/", "/dashboard/stats", "/dashboard/audit", "/dashboard/duty"]
    assert all(WARNING in admin.get(path).get_data(as_text=True) for path in pages)
    assert WARNING in officer.get("/dashboard/tips").get_data(as_text=True)
    assert WARNING not in Staff(app).get("/login").get_data(as_text=True)  # not before signing in
    save(admin, app, policy_reviewer="Lic. Ana Ruiz, City Attorney", policy_reviewed_on="2026-11-20")
    assert WARNING in admin.get("/dashboard/tips").get_data(as_text=True)  # a draft is not the live wording
    admin.get("/dashboard/flows/")
    assert "done=published" in admin.post("/dashboard/flows/publish", {"comment": "legal review"}).location
    assert not any(WARNING in admin.get(path).get_data(as_text=True) for path in pages)
    assert WARNING not in officer.get("/dashboard/tips").get_data(as_text=True)


def test_production_start_up_warns_until_the_legal_review_is_recorded(redis_url, clock, twilio_http, caplog):
    from bot import create_app
    from tests.conftest import production_config
    settings = production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http})
    with caplog.at_level("WARNING", logger="linea.startup"):
        app = create_app(settings)
    assert any("no recorded legal review" in r.getMessage() for r in caplog.records)
    admin = Staff(app, "boss", "admin")
    save(admin, app, policy_reviewer="Lic. Ana Ruiz", policy_reviewed_on="2026-11-20")
    admin.get("/dashboard/flows/")
    admin.post("/dashboard/flows/publish", {"comment": "legal review"})
    caplog.clear()
    with caplog.at_level("WARNING", logger="linea.startup"):
        create_app(settings)
    assert not any("legal review" in r.getMessage() for r in caplog.records)


def test_revert_publishes_an_earlier_revision_again(app, client):
    coordinator = Staff(app, "coord", "coordinator")
    save(coordinator, app, **{"text::es::flows.ask_what": NEW_WHAT})
    coordinator.get("/dashboard/flows/")
    coordinator.post("/dashboard/flows/publish", {"comment": "new wording"})
    coordinator.get("/dashboard/flows/")
    assert "done=reverted" in coordinator.post("/dashboard/flows/revert/0").location
    line = app.extensions["linea"]
    assert line.revisions.current_revision() == 2 and line.library.get(2).reverts == 0
    assert "¿Qué pasó?" in converse(client, "+15556660003", ["hola", "2"])[0]
    assert NEW_WHAT not in converse(client, "+15556660004", ["hola", "2"])[0]
    history = coordinator.get("/dashboard/flows/").get_data(as_text=True)
    assert "revert to revision 0" in history and history.count('data-revision="') == 3


def test_export_then_import_round_trips_as_a_draft(app):
    coordinator = Staff(app, "coord", "coordinator")
    exported = coordinator.get("/dashboard/flows/export/0")
    assert exported.status_code == 200 and b"flows.ask_what" in exported.data
    changed = exported.data.decode().replace("¿Qué pasó?", "¿Qué ocurrió?", 1).encode()
    coordinator.get("/dashboard/flows/")
    response = coordinator.client.post("/dashboard/flows/import", base_url="https://line.example.test",
                                       data={"csrf": coordinator.csrf, "file": (io.BytesIO(changed), "mine.yml")},
                                       content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.endswith("/dashboard/flows/edit")
    assert "¿Qué ocurrió?" in draft_of(app).texts["es"]["flows.ask_what"]
    bad = coordinator.client.post("/dashboard/flows/import", base_url="https://line.example.test",
                                  data={"csrf": coordinator.csrf, "file": (io.BytesIO(b"just: text"), "x.yml")},
                                  content_type="multipart/form-data")
    assert "error=bad_import" in bad.location


def test_a_structural_change_leaves_conversations_in_flight_on_their_revision(app, client):
    line = app.extensions["linea"]
    converse(client, "+15556660005", ["hola", "2", "me robaron"])  # waiting at ask_where on revision 0
    coordinator = Staff(app, "coord", "coordinator")
    shorter = draft_of(app).flow.replace("    field: what\n    next: ask_where", "    field: what\n    next: ask_when")
    shorter = shorter[:shorter.index("  ask_where:")] + shorter[shorter.index("  ask_when:"):]
    page = save(coordinator, app, flow=shorter)
    assert 'id="no-findings"' in page, page[page.index('id="findings"'):][:800]
    coordinator.get("/dashboard/flows/")
    coordinator.post("/dashboard/flows/publish", {"comment": "no 'where' question"})
    assert "¿Cuándo pasó?" in converse(client, "+15556660005", ["en el parque"])[0]  # revision 0 goes on
    assert "¿Cuándo pasó?" in converse(client, "+15556660006", ["hola", "2", "me robaron"])[0]  # new: skips it
    state, _ = line.store.load(line.store.key("+15556660006"))
    assert state.revision == 1 and "where" not in dict(state.answers)


@pytest.mark.parametrize("revision", [99, -1])
def test_a_conversation_on_a_revision_that_does_not_exist_restarts_safely(app, client, revision):
    line = app.extensions["linea"]
    converse(client, "+15556660007", ["hola", "2"])
    key = line.store.key("+15556660007")
    state, _ = line.store.load(key)
    with line.store.session(key) as session:
        with session.saving(state.with_(revision=revision)):
            pass
    texts = converse(client, "+15556660007", ["me robaron"])
    assert texts and "Lo sentimos" not in texts[0]


def test_a_broken_draft_in_preview_says_so_instead_of_failing(app):
    coordinator = Staff(app, "coord", "coordinator")
    flow = draft_of(app).flow.replace("prompt: flows.ask_what", "prompt: flows.ask_nothing")
    save(coordinator, app, flow=flow)  # a text that exists in no language
    coordinator.get("/dashboard/flows/preview")
    for text in ("hola", "2"):
        assert coordinator.post("/dashboard/flows/preview", {"text": text}).status_code == 302
    page = coordinator.get("/dashboard/flows/preview").get_data(as_text=True)
    assert "the draft cannot answer" in page and "flows.ask_nothing" in page


def test_a_question_is_added_and_removed_from_forms_and_checked_like_any_text(app, client):
    coordinator = Staff(app, "coord", "coordinator")
    coordinator.get("/dashboard/flows/edit")
    response = coordinator.post("/dashboard/flows/questions/add", {
        "after": "ask_where", "name": "car", "es": "¿Había un carro? ¿De qué color?", "en": "Was there a car? What color?"})
    assert response.location.endswith("saved=1")
    page = coordinator.get("/dashboard/flows/edit").get_data(as_text=True)
    assert 'id="no-findings"' in page and "¿Había un carro? ¿De qué color?" in page and "ask_car" in page
    for text in ("hola", "2", "me robaron", "en el parque"):
        coordinator.post("/dashboard/flows/preview", {"text": text})
    assert "¿Había un carro?" in coordinator.get("/dashboard/flows/preview").get_data(as_text=True)

    coordinator.post("/dashboard/flows/questions/add", {
        "after": "ask_car", "name": "papers", "es": "¿Tiene papeles?", "en": "Do you have papers?"})
    page = coordinator.get("/dashboard/flows/edit").get_data(as_text=True)
    assert "nodes.ask_papers.prompt [es]" in page  # the safety lint applies to added questions
    coordinator.post("/dashboard/flows/questions/remove", {"node": "ask_papers"})
    bad = coordinator.post("/dashboard/flows/questions/remove", {"node": "ask_what"})
    assert "starts+the+interview" in bad.location or "starts%20the%20interview" in bad.location
    draft = draft_of(app)
    assert "ask_papers" not in draft.flow and "flows.ask_papers" not in draft.texts["es"]
    assert 'id="no-findings"' in coordinator.get("/dashboard/flows/edit").get_data(as_text=True)


def test_no_nested_forms_on_the_edit_page(app):
    """Browsers ignore a nested <form>, and the outer form's button would then post the wrong one."""
    page = Staff(app, "coord", "coordinator").get("/dashboard/flows/edit").get_data(as_text=True)
    depth = 0
    for tag in re.findall(r"<(/?)form\b", page):
        depth += -1 if tag else 1
        assert depth in (0, 1), "a <form> inside another <form>"
    assert depth == 0


# --- the vocabulary page: the flow's own word lists, saved into the draft, checked, tried, published, reverted ----

OPTED_OUT = "Ya no recibirá mensajes de esta línea."
LOCAL_STOP = "bajenle a los textos"


@pytest.fixture
def few_labelled(monkeypatch):
    """The safety gate over a few labelled messages (the full replay takes seconds), with a fresh figures cache."""
    from bot.understanding import safety_gate
    from bot.understanding.evaluation import Example
    from bot.web import editor
    monkeypatch.setattr(safety_gate, "labelled_examples", lambda: (
        Example("es", "emergency", "auxilio"), Example("es", "greet", "hola"), Example("es", "stop", "PARAR")))
    monkeypatch.setattr(editor, "_published_figures", {})


def save_vocabulary(staff, **groups: str):
    staff.get("/dashboard/flows/vocabulary")
    return staff.post("/dashboard/flows/vocabulary", groups)


def test_the_vocabulary_page_shows_every_group_of_the_published_flow(app):
    assert Staff(app, "ofc", "officer").get("/dashboard/flows/vocabulary").status_code == 403
    page = Staff(app, "coord", "coordinator").get("/dashboard/flows/vocabulary").get_data(as_text=True)
    for group in ("emergency_words", "emergency_phrases", "stop", "stop_phrases", "immigration", "slang", "streets"):
        assert f'name="{group}"' in page
    assert "cuete = pistola" in page and "Shooters Lane" in page and "Local slang" in page


def test_a_vocabulary_change_is_saved_tried_published_and_reverted(app, client, few_labelled):
    coordinator = Staff(app, "coord", "coordinator")
    response = save_vocabulary(coordinator, stop_phrases=f"ya no me textees\n{LOCAL_STOP}")
    assert response.location.endswith("/dashboard/flows/vocabulary?saved=1")
    page = coordinator.get(response.location).get_data(as_text=True)
    assert 'id="vocabulary-saved"' in page and LOCAL_STOP in page and 'id="no-findings"' in page
    flow = draft_of(app).flow
    assert LOCAL_STOP in flow and "# Local slang = the standard words" in flow  # the YAML keeps its comments

    coordinator.post("/dashboard/flows/preview", {"reset": "1"})
    coordinator.post("/dashboard/flows/preview", {"text": LOCAL_STOP})
    assert OPTED_OUT in coordinator.get("/dashboard/flows/preview").get_data(as_text=True)
    assert OPTED_OUT not in converse(client, "+15556660010", [LOCAL_STOP])[0]  # not published yet

    coordinator.get("/dashboard/flows/")
    assert "done=published" in coordinator.post("/dashboard/flows/publish", {"comment": "local stop"}).location
    assert OPTED_OUT in converse(client, "+15556660011", [LOCAL_STOP])[0]
    coordinator.get("/dashboard/flows/")
    assert "done=reverted" in coordinator.post("/dashboard/flows/revert/0").location
    assert OPTED_OUT not in converse(client, "+15556660012", [LOCAL_STOP])[0]


@pytest.mark.parametrize("groups, says", [
    ({"slang": "cuete pistola"}, "Local slang: write each line as word = meaning (not “cuete pistola”)."),
    ({"slang": "cuete = "}, "Local slang: write each line as word = meaning"),
    ({"stop": "\n \n"}, "Stop words: needs at least one entry with letters or digits."),
    ({"streets": "Troost\nParar"}, "Streets and places: “parar” is also a stop or emergency word"),
    ({"immigration": "la migra " * 20}, "Immigration words: “la migra la migra"),
    ({"slang": "fierro = zzqxw"}, "uses “zzqxw”, which the line does not know"),
    ({"stop_phrases": "!!!"}, "Stop phrases: an entry needs letters or digits."),
])
def test_bad_vocabulary_input_is_answered_clearly_and_changes_nothing(app, groups, says):
    coordinator = Staff(app, "coord", "coordinator")
    before = draft_of(app).flow
    response = save_vocabulary(coordinator, **groups)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="vocabulary-problem"' in page and says in page, page[:3000]
    assert draft_of(app).flow == before and app.extensions["linea"].library.draft() is None
    assert all(html.escape(typed.strip()) in page for typed in groups.values())  # kept for fixing


def test_hostile_html_in_vocabulary_entries_is_shown_inert(app):
    coordinator = Staff(app, "coord", "coordinator")
    hostile = "<img src=x onerror=alert(1)>"
    assert save_vocabulary(coordinator, streets=f"Troost\n{hostile}").status_code == 302
    page = coordinator.get("/dashboard/flows/vocabulary").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and hostile not in page
    refused = save_vocabulary(coordinator, slang="</textarea><script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in refused and "&lt;/textarea&gt;&lt;script&gt;" in refused
