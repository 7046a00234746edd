"""Photos end to end: signed webhook with MediaUrl, real RQ worker, the real fetcher over a fake HTTP opener
(Twilio's API and CDN answer from a table; nothing touches the internet), cleaned images on the dashboard."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bot import create_app
from bot.tips.media import HttpFetcher
from tests.conftest import Staff, inbound_form, post_signed, production_config, replies
from tests.test_media import FakeOpener, answer, jpeg_with_gps, redirect

ACCOUNT = "AC" + "0" * 32
RESIDENT = "+15556667777"
CODE_RE = re.compile(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")


def media_url(n: int) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'a' * 32}/Media/ME{n:032x}"


def cdn(n: int) -> str:
    return f"https://mms.twiliocdn.com/{ACCOUNT}/{n:032x}"


@pytest.fixture
def opener() -> FakeOpener:
    routes = {}
    for n in range(1, 6):
        routes[media_url(n)] = redirect(cdn(n))
        routes[media_url(n) + ".json"] = answer(204)
    routes[cdn(1)] = answer(200, jpeg_with_gps(), content_type="image/jpeg")
    routes[cdn(2)] = answer(200, b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    routes[cdn(3)] = answer(200, b"x" * (6 * 1024 * 1024), content_type="image/jpeg")
    routes[cdn(4)] = answer(200, jpeg_with_gps(orientation=6), content_type="image/jpeg")
    return FakeOpener(routes)


@pytest.fixture
def app(redis_url, clock, twilio_http, opener):
    return create_app(production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http,
                                                          "media_fetcher": HttpFetcher(opener)}))


def send(client, body: str, *media: tuple[str, str], sender: str = RESIDENT) -> str:
    extra = {"NumMedia": str(len(media))}
    for i, (url, kind) in enumerate(media):
        extra[f"MediaUrl{i}"], extra[f"MediaContentType{i}"] = url, kind
    return "\n".join(replies(post_signed(client, inbound_form(sender, body, **extra))))


def work(app) -> None:
    line = app.extensions["linea"]
    with app.app_context():
        SimpleWorker([line.queue], connection=line.redis, serializer=JSONSerializer).work(burst=True)


def finish_tip(client, *answers: str) -> str:
    text = ""
    for body in answers or ("ayer", "dos hombres", "no", "2"):
        text = send(client, body)
    return CODE_RE.search(text).group(0)


def test_a_photo_during_the_interview_reaches_officers_without_its_metadata(app, client, opener):
    send(client, "hola")
    send(client, "2")
    send(client, "me robaron el carro")
    told = send(client, "", (media_url(1), "image/jpeg"))
    assert "Foto recibida. Las fotos pueden mostrar dónde y cuándo se tomaron" in told
    assert "¿Dónde pasó?" in told  # the question is asked again, no complaint about an empty answer
    send(client, "en la 5 y Main")
    code = finish_tip(client)
    work(app)
    assert [call[1] for call in opener.calls if call[0] == "DELETE"] == [media_url(1) + ".json"]  # original gone
    line = app.extensions["linea"]
    tip = line.tips.get(code)
    assert len(tip.media) == 1 and line.photos.get(tip.media[0]).state == "ready"
    officer = Staff(app, "maria")
    page = officer.get(f"/dashboard/tips/{code}").get_data(as_text=True)
    (src,) = re.findall(r'<img src="([^"]+)"', page)
    response = officer.get(src)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert not image.getexif() and b"Exif" not in response.data and b"iPhone" not in response.data
    assert image.size == (64, 32)
    assert Staff(app, "coord", "coordinator").get(src).status_code == 403
    assert officer.get(f"/dashboard/tips/{code}/photos/{'0' * 24}").status_code == 404
    assert ("maria", "view_photo") in [(e.who, e.action) for e in app.extensions["linea"].audit.recent(tip=code)]
    stored = line.redis.hget(f"ls:media:{tip.media[0]}", "data")
    assert b"\xff\xd8" not in stored[:10] and line.redis.hget(f"ls:media:{tip.media[0]}", "source") is None


def test_alerts_mention_the_photos(app, client, twilio_http):
    for body in ("hola", "2", "me robaron"):
        send(client, body)
    send(client, "en el parque", (media_url(1), "image/jpeg"), (media_url(4), "image/jpeg"))
    code = finish_tip(client)
    work(app)
    alert = next(r["data"]["Body"] for r in twilio_http.sent if code in r["data"]["Body"])
    assert "Photos: 2 (on the dashboard, without location data)" in alert


def test_a_photo_after_the_tip_joins_that_tip(app, client):
    for body in ("hola", "2", "me robaron", "en el parque"):
        send(client, body)
    code = finish_tip(client)
    told = send(client, "esta es la camioneta", (media_url(4), "image/jpeg"))
    assert "Foto recibida" in told and f"Agregamos esto al reporte {code}" in told
    work(app)
    line = app.extensions["linea"]
    (media_id,) = line.tips.get(code).media
    image = Image.open(io.BytesIO(line.photos.data(media_id)))
    assert image.size == (32, 64)  # orientation 6 applied before the EXIF was dropped


def test_videos_and_other_files_are_refused_at_once_and_never_fetched(app, client, opener):
    for body in ("hola", "2", "me robaron"):
        send(client, body)
    told = send(client, "", (media_url(5), "video/mp4"))
    assert "Solo podemos recibir fotos, no videos" in told
    work(app)
    assert opener.calls == []


@pytest.mark.parametrize("n, reason, told", [
    (2, "not_an_image", "No pudimos abrir su archivo como foto"),
    (3, "too_large", "Su foto era demasiado grande"),
])
def test_a_file_that_is_not_a_usable_photo_is_refused_with_a_clear_reply(app, client, twilio_http, n, reason, told):
    for body in ("hola", "2", "me robaron", "en el parque"):
        send(client, body)
    code = finish_tip(client)
    send(client, "", (media_url(n), "image/jpeg"))
    work(app)
    (sent,) = [r["data"] for r in twilio_http.sent if r["data"]["To"] == RESIDENT]
    assert told in sent["Body"] and sent["From"] == "+15550009999"
    page = Staff(app, "maria").get(f"/dashboard/tips/{code}").get_data(as_text=True)
    assert f"Not kept: {reason}" in page and "<img" not in page


def test_a_media_url_anywhere_but_twilio_is_never_fetched(app, client, opener, twilio_http):
    for body in ("hola", "2", "me robaron", "en el parque"):
        send(client, body)
    finish_tip(client)
    send(client, "", ("https://evil.example/photo.jpg", "image/jpeg"),
         (f"https://api.twilio.com.evil.example/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'a' * 32}/Media/ME{1:032x}",
          "image/jpeg"))
    work(app)
    assert opener.calls == []
    assert sum("No pudimos guardar su foto" in r["data"]["Body"] for r in twilio_http.sent) == 2


def test_a_photo_with_nothing_to_join_is_not_kept(app, client, opener, redis_client):
    send(client, "hola")
    told = send(client, "mire", (media_url(1), "image/jpeg"))
    assert "No guardamos su foto. Para enviar fotos, primero empiece un reporte" in told
    work(app)
    assert opener.calls == [] and list(redis_client.scan_iter(match="ls:media:*")) == []


def test_photos_of_an_abandoned_or_deleted_draft_are_deleted(app, client, redis_client):
    for body in ("hola", "2", "me robaron"):
        send(client, body)
    send(client, "", (media_url(1), "image/jpeg"))
    assert len(list(redis_client.scan_iter(match="ls:media:*"))) == 1
    send(client, "menu")
    assert list(redis_client.scan_iter(match="ls:media:*")) == []
    send(client, "2")
    send(client, "", (media_url(4), "image/jpeg"))
    send(client, "BORRAR")
    send(client, "SI")
    assert list(redis_client.scan_iter(match="ls:media:*")) == []
    work(app)  # the queued fetches find nothing to do


def test_the_purge_deletes_photos_with_their_tips(app, client, clock, redis_client):
    for body in ("hola", "2", "me robaron"):
        send(client, body)
    send(client, "en el parque", (media_url(1), "image/jpeg"))
    finish_tip(client)
    work(app)
    clock.advance(366 * 86400)
    app.test_cli_runner().invoke(args=["retention", "purge"])
    assert list(redis_client.scan_iter(match="ls:media:*")) == []
    (purge,) = [e for e in app.extensions["linea"].audit.recent() if e.action == "purge"]
    assert purge.detail == "tips=1 photos=1"
