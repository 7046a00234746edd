"""Photos from residents: only Twilio's own media URLs, only real images, and nothing but their pixels kept."""
from __future__ import annotations

import datetime
import io
import ipaddress
import itertools
import random
import ssl
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image, PngImagePlugin

from bot.tips.handles import HandleStore
from bot.tips.media import (MAX_MEDIA_BYTES, HttpFetcher, MediaCipher, MediaRefused, RawResponse, UrllibOpener,
                            basic_auth, check_content_type, check_media_url, clean_image, delete_original,
                            next_hop_allowed, process)

ACCOUNT = "AC" + "0123456789abcdef" * 2
OTHER_ACCOUNT = "AC" + "fedcba9876543210" * 2
TOKEN = "auth-token-never-leaves-api-twilio"
MESSAGE = "MM" + "a" * 32
MEDIA = "ME" + "b" * 32
GOOD = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/{MEDIA}"
CDN = f"https://mms.twiliocdn.com/{ACCOUNT}/0685c8ad1b86205fa8dccd71765156c7?Expires=1&Signature=abc"
LEGACY = f"https://s3-external-1.amazonaws.com/media.twiliocdn.com/{ACCOUNT}/def1069d2a15ce1f3ac9d59f0bea3c31"


# --- Fixtures: images made with Pillow, in memory -------------------------------------------------------

def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gradient(size: tuple[int, int] = (64, 32), mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", size)
    image.putdata([(x * 4 % 256, y * 8 % 256, 128) for y in range(size[1]) for x in range(size[0])])
    return image.convert(mode)


def exif_with_gps(image: Image.Image, orientation: int | None = None) -> Image.Exif:
    exif = image.getexif()
    exif[0x010F] = "Apple"                  # Make
    exif[0x0110] = "iPhone 15 Pro"          # Model
    exif[0x0132] = "2026:01:02 03:04:05"    # DateTime
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}  # GPSInfo IFD
    if orientation is not None:
        exif[0x0112] = orientation
    return exif


def jpeg_with_gps(orientation: int | None = None) -> bytes:
    image = gradient()
    return encode(image, "JPEG", exif=exif_with_gps(image, orientation), icc_profile=b"ICC-SECRET-PROFILE",
                  comment=b"COMMENT-SECRET", xmp=b"<x:xmpmeta>XMP-SECRET</x:xmpmeta>")


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    return chunks


def png_header_only(width: int, height: int) -> bytes:
    """A PNG declaring a huge 1-bit image, with almost no data: a decompression bomb's header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def refused(reason: str, call: Callable[[], object]) -> MediaRefused:
    with pytest.raises(MediaRefused) as caught:
        call()
    assert caught.value.reason == reason
    return caught.value


# --- clean_image -----------------------------------------------------------------------------------------

def test_jpeg_loses_gps_and_every_other_metadata():
    data = jpeg_with_gps()
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(0x8825)[2] == (40.0, 26.0, 46.0)     # the fixture really has GPS
    assert original.getexif()[0x010F] == "Apple" and b"Exif" in data and b"SECRET" in data

    out, content_type = clean_image(data)
    cleaned = Image.open(io.BytesIO(out))
    assert content_type == "image/jpeg" and cleaned.format == "JPEG" and cleaned.mode == "RGB"
    assert cleaned.size == original.size
    assert len(cleaned.getexif()) == 0 and cleaned.getexif().get_ifd(0x8825) == {}
    assert not {"exif", "icc_profile", "xmp", "comment"} & cleaned.info.keys()
    for marker in (b"Exif", b"GPS", b"Apple", b"iPhone", b"SECRET", b"xmpmeta", b"ICC_PROFILE"):
        assert marker not in out
    cleaned.load()


def test_orientation_is_applied_before_the_exif_is_dropped():
    out, _ = clean_image(jpeg_with_gps(orientation=6))
    cleaned = Image.open(io.BytesIO(out))
    assert cleaned.size == (32, 64) and len(cleaned.getexif()) == 0


def test_png_text_chunks_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SECRET comment")
    info.add_text("Location", "40.4461,-79.9822")
    info.add_itxt("Author", "SECRET author", zip=True)
    data = encode(gradient(), "PNG", pnginfo=info, exif=exif_with_gps(gradient()))
    assert Image.open(io.BytesIO(data)).text["Location"] == "40.4461,-79.9822"
    out, content_type = clean_image(data)
    assert content_type == "image/jpeg"     # opaque: re-encoded as JPEG
    assert b"Location" not in out and b"SECRET" not in out and b"Exif" not in out


def test_png_with_alpha_stays_png_without_chunks():
    image = gradient(mode="RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "40.4461,-79.9822")
    data = encode(image, "PNG", pnginfo=info, icc_profile=b"ICC-SECRET", exif=exif_with_gps(image))
    out, content_type = clean_image(data)
    cleaned = Image.open(io.BytesIO(out))
    assert content_type == "image/png" and cleaned.format == "PNG" and cleaned.mode == "RGBA"
    assert cleaned.text == {} and cleaned.getpixel((0, 0))[3] == 0 and cleaned.size == (64, 32)
    assert set(png_chunks(out)) <= {b"IHDR", b"IDAT", b"IEND"}


def test_opaque_alpha_and_palettes_become_jpeg_and_transparent_gif_png():
    assert clean_image(encode(gradient(mode="RGBA"), "PNG"))[1] == "image/jpeg"
    assert clean_image(encode(gradient(mode="P"), "PNG"))[1] == "image/jpeg"
    assert clean_image(encode(gradient(mode="L"), "PNG"))[1] == "image/jpeg"
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0])
    palette.putpixel((0, 0), 0)
    assert clean_image(encode(palette, "GIF", transparency=0))[1] == "image/png"
    assert clean_image(encode(palette, "GIF", transparency=2))[1] == "image/jpeg"    # no pixel uses it


@pytest.mark.parametrize("fmt", ["WEBP", "GIF", "MPO"])
def test_other_formats_by_content(fmt):
    frames = {"append_images": [Image.new("RGB", (64, 32), "blue")], "save_all": True}
    out, content_type = clean_image(encode(gradient(), fmt, **(frames if fmt != "WEBP" else {})))
    cleaned = Image.open(io.BytesIO(out))
    assert content_type == "image/jpeg" and cleaned.format == "JPEG" and cleaned.size == (64, 32)
    assert getattr(cleaned, "n_frames", 1) == 1


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", jpeg_with_gps())
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n",
    b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    random.Random(7).randbytes(4096),
    b"\xff\xd8\xff\xe0" + random.Random(8).randbytes(4096),
    jpeg_with_gps()[:300],                            # truncated JPEG: a valid header, then nothing
    zip_bytes(),
    encode(gradient(), "BMP"),                        # a real image, but not a format we take
    encode(gradient(), "TIFF"),
    b"",
], ids=["pdf", "html", "svg", "random", "jpeg-header-garbage", "truncated-jpeg", "zip", "bmp", "tiff", "empty"])
def test_non_images_are_refused(data):
    refused("not_an_image", lambda: clean_image(data))


def test_decompression_bombs_are_refused_as_too_large():
    refused("too_large", lambda: clean_image(png_header_only(50_000, 50_000)))   # Pillow's own bomb guard
    refused("too_large", lambda: clean_image(png_header_only(7_000, 7_000)))     # 49 MP > our 40 MP
    refused("too_large", lambda: clean_image(encode(gradient((100, 100)), "PNG"), max_pixels=5_000))
    assert clean_image(encode(gradient((100, 100)), "PNG"), max_pixels=10_000)[1] == "image/jpeg"


# --- check_media_url / next_hop_allowed ------------------------------------------------------------------

EVIL_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/{MEDIA}"


@pytest.mark.parametrize("url, expected", [
    (GOOD, GOOD),
    (GOOD + ".json", GOOD),
    (GOOD.replace("api.twilio.com", "API.Twilio.COM"), GOOD),                   # host is case-insensitive
    (GOOD.replace("https", "HTTPS"), GOOD),
    (GOOD.replace(MESSAGE, "SM" + "a" * 32), GOOD.replace(MESSAGE, "SM" + "a" * 32)),
    (GOOD.replace("https://", "http://"), None),
    ("https://evil.com" + EVIL_PATH, None),
    ("https://api.twilio.com.evil.com" + EVIL_PATH, None),
    ("https://evil.com#api.twilio.com" + EVIL_PATH, None),
    ("https://evil.com/#https://api.twilio.com" + EVIL_PATH, None),
    ("https://api.twilio.com@evil.com" + EVIL_PATH, None),
    ("https://user:pass@api.twilio.com" + EVIL_PATH, None),
    ("https://api.twilio.com:8443" + EVIL_PATH, None),
    ("https://api.twilio.com:443" + EVIL_PATH, None),
    (GOOD.replace(ACCOUNT, OTHER_ACCOUNT), None),
    (GOOD + "/extra", None),
    (GOOD + "/", None),
    (GOOD.replace("/Media/", "/Media/../Media/"), None),
    (f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/..%2F..%2F{MEDIA}", None),
    (GOOD + "?x=1", None),
    (GOOD + ".json?PageSize=1", None),
    (GOOD + "#frag", None),
    (GOOD + ".xml", None),
    (GOOD + "\n", None),
    (" " + GOOD, None),
    (GOOD.replace(MEDIA, "ME" + "b" * 31), None),
    (GOOD.replace(MEDIA, "ME" + "g" * 32), None),
    (GOOD.replace(MESSAGE, "XX" + "a" * 32), None),
    ("https://api.twilio.com/2010-04-01/Accounts/" + ACCOUNT, None),
    ("file:///etc/passwd", None),
    ("", None),
])
def test_check_media_url(url, expected):
    if expected is None:
        refused("not_twilio", lambda: check_media_url(url, ACCOUNT))
    else:
        assert check_media_url(url, ACCOUNT) == expected


@pytest.mark.parametrize("url, first, allowed", [
    (GOOD, True, True),
    (GOOD, False, False),                                      # a redirect never goes back to the API host
    (CDN, False, True),
    (CDN, True, False),
    ("https://media.twiliocdn.com/x/y", False, True),
    ("https://MMS.TwilioCDN.com/x", False, True),
    ("https://mms.twiliocdn.com:443/x", False, True),
    (LEGACY, False, True),
    ("https://media.twiliocdn.com.s3.amazonaws.com/AC1/x", False, True),
    ("http://mms.twiliocdn.com/x", False, False),
    ("https://mms.twiliocdn.com:8443/x", False, False),
    ("https://twiliocdn.com.evil.com/x", False, False),
    ("https://eviltwiliocdn.com/x", False, False),
    ("https://mms.twiliocdn.com@evil.com/x", False, False),
    ("https://evil.com\\@mms.twiliocdn.com/x", False, False),
    ("https://evil.com#.twiliocdn.com", False, False),
    ("https://s3-external-1.amazonaws.com/attacker-bucket/x", False, False),
    ("https://s3-external-1.amazonaws.com/media.twiliocdn.com.evil/x", False, False),
    ("https://s3-external-1.amazonaws.com/media.twiliocdn.com/../attacker/x", False, False),
    ("https://s3-external-1.amazonaws.com/media.twiliocdn.com/%2e%2e/attacker/x", False, False),
    ("https://s3-external-1.amazonaws.com/media.twiliocdn.com%2F..%2Fattacker/x", False, False),
    ("https://attacker.s3.amazonaws.com/x", False, False),
    ("https://mms.twiliocdn.com/x\r\nHost: evil.com", False, False),
    ("//evil.com/x", False, False),
    ("https://127.0.0.1/x", False, False),
    ("ftp://mms.twiliocdn.com/x", False, False),
])
def test_next_hop_allowed(url, first, allowed):
    assert next_hop_allowed(url, first=first) is allowed


def test_declared_video_and_audio_are_unsupported():
    for declared in ("video/mp4", "VIDEO/3gpp", "audio/ogg; codecs=opus"):
        with pytest.raises(MediaRefused, match="unsupported_type"):
            check_content_type(declared)
    for declared in ("image/jpeg", "application/octet-stream", "", None):
        check_content_type(declared)


# --- HttpFetcher and process, against a fake opener --------------------------------------------------------

class Body(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requested = 0

    def read(self, size: int = -1, /) -> bytes:
        self.requested += size if size >= 0 else len(self.getbuffer())
        return super().read(size)

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(min(size, 100) if size >= 0 else 100)        # a trickle: 100 bytes at a time


class FakeOpener:
    """Answers by URL; records every request (method, URL, headers, timeout)."""

    def __init__(self, routes: dict[str, Callable[[], RawResponse]]) -> None:
        self.routes = routes
        self.calls: list[tuple[str, str, dict[str, str], float]] = []
        self.bodies: list[Body] = []

    def __call__(self, method: str, url: str, headers, timeout: float) -> RawResponse:
        self.calls.append((method, url, dict(headers), timeout))
        response = self.routes[url]()
        self.bodies.append(response.body)
        return response


def answer(status: int, body: bytes = b"", **headers: str) -> Callable[[], RawResponse]:
    return lambda: RawResponse(status, {k.replace("_", "-").lower(): v for k, v in headers.items()}, Body(body))


def redirect(location: str, status: int = 307) -> Callable[[], RawResponse]:
    return answer(status, location=location)


def fetch(routes: dict[str, Callable[[], RawResponse]], **kwargs) -> tuple[tuple[bytes, str], FakeOpener]:
    opener = FakeOpener(routes)
    return process(GOOD, ACCOUNT, TOKEN, HttpFetcher(opener), **kwargs), opener


def test_redirect_to_the_cdn_is_followed_and_credentials_stay_with_the_api():
    (out, content_type), opener = fetch({GOOD: redirect(CDN), CDN: answer(200, jpeg_with_gps(), content_type="image/jpeg")})
    assert content_type == "image/jpeg" and b"Exif" not in out and Image.open(io.BytesIO(out)).size == (64, 32)
    assert [call[1] for call in opener.calls] == [GOOD, CDN]
    assert opener.calls[0][2]["Authorization"] == basic_auth((ACCOUNT, TOKEN))
    assert "Authorization" not in opener.calls[1][2]
    assert all(TOKEN not in str(call[2]) for call in opener.calls[1:])
    assert all(0 < call[3] <= 10 for call in opener.calls)
    assert all(body.closed for body in opener.bodies)


def test_legacy_s3_redirect_is_followed():
    (_, content_type), opener = fetch({GOOD: redirect(LEGACY, 302), LEGACY: answer(200, encode(gradient(), "PNG"))})
    assert content_type == "image/jpeg" and "Authorization" not in opener.calls[1][2]


@pytest.mark.parametrize("location", [
    "https://evil.com/steal",
    "http://mms.twiliocdn.com/x",
    "https://s3-external-1.amazonaws.com/attacker-bucket/x",
    "https://mms.twiliocdn.com.evil.com/x",
    "/2010-04-01/Accounts/other",                 # relative: back to api.twilio.com, not a CDN
    "//evil.com/x",                               # scheme-relative
])
def test_redirect_elsewhere_is_refused_and_never_requested(location):
    opener = FakeOpener({GOOD: redirect(location)})
    refused("not_twilio", lambda: process(GOOD, ACCOUNT, TOKEN, HttpFetcher(opener)))
    assert [call[1] for call in opener.calls] == [GOOD]


def test_at_most_three_redirects():
    hops = [f"https://mms.twiliocdn.com/{n}" for n in range(5)]
    routes = {GOOD: redirect(hops[0])} | {hop: redirect(nxt) for hop, nxt in itertools.pairwise(hops)}
    opener = FakeOpener(routes)
    error = refused("fetch_failed", lambda: process(GOOD, ACCOUNT, TOKEN, HttpFetcher(opener)))
    assert not error.temporary and len(opener.calls) == 4
    (_, content_type), _ = fetch({GOOD: redirect(hops[0]), hops[0]: redirect(hops[1]), hops[1]: redirect(CDN),
                                  CDN: answer(200, jpeg_with_gps())})
    assert content_type == "image/jpeg"


def test_oversize_bodies_are_refused():
    big = answer(200, b"\xff" * 2000, content_length="2000")
    refused("too_large", lambda: fetch({GOOD: redirect(CDN), CDN: big}, max_bytes=1000))
    opener = FakeOpener({GOOD: redirect(CDN), CDN: answer(200, b"\xff" * 5000)})      # no Content-Length
    refused("too_large", lambda: process(GOOD, ACCOUNT, TOKEN, HttpFetcher(opener), max_bytes=1000))
    assert opener.bodies[1].requested == 1001                      # read max_bytes + 1, no more
    now = [0.0]

    def tick() -> float:
        now[0] += 1.0
        return now[0]
    trickle = FakeOpener({GOOD: redirect(CDN), CDN: answer(200, b"\xff" * 5000)})
    error = refused("fetch_failed", lambda: process(GOOD, ACCOUNT, TOKEN, HttpFetcher(trickle, clock=tick)))
    assert error.temporary and trickle.bodies[1].requested < 5000          # the deadline cut a slow body
    lying = answer(200, b"\xff" * 5000, content_length="10")
    refused("too_large", lambda: fetch({GOOD: redirect(CDN), CDN: lying}, max_bytes=1000))
    refused("too_large", lambda: fetch({GOOD: redirect(CDN), CDN: answer(200, content_length=str(MAX_MEDIA_BYTES + 1))}))


@pytest.mark.parametrize("status, temporary", [(500, True), (503, True), (429, True), (404, False), (401, False)])
def test_error_statuses_fail_the_fetch(status, temporary):
    error = refused("fetch_failed", lambda: fetch({GOOD: redirect(CDN), CDN: answer(status)}))
    assert error.temporary is temporary
    assert refused("fetch_failed", lambda: fetch({GOOD: answer(status)})).temporary is temporary


def test_network_trouble_is_temporary():
    def broken() -> RawResponse:
        raise TimeoutError("timed out")
    assert refused("fetch_failed", lambda: fetch({GOOD: redirect(CDN), CDN: broken})).temporary

    class Failing(Body):
        def read(self, size: int = -1, /) -> bytes:
            raise ConnectionResetError()

        read1 = read
    def reset() -> RawResponse:
        return RawResponse(200, {}, Failing(b""))
    assert refused("fetch_failed", lambda: fetch({GOOD: redirect(CDN), CDN: reset})).temporary


def test_the_whole_fetch_has_a_deadline():
    now = [0.0]

    def slow() -> RawResponse:
        now[0] += 20.0
        return RawResponse(307, {"location": CDN}, Body(b""))
    fetcher = HttpFetcher(FakeOpener({GOOD: slow, CDN: slow}), deadline=30.0, clock=lambda: now[0])
    assert refused("fetch_failed", lambda: process(GOOD, ACCOUNT, TOKEN, fetcher)).temporary


def test_declared_html_is_refused_by_content_and_video_by_type():
    html = answer(200, b"<html><body>not a photo</body></html>", content_type="image/jpeg")
    refused("not_an_image", lambda: fetch({GOOD: redirect(CDN), CDN: html}))
    video = answer(200, b"\0\0\0\x18ftypmp42", content_type="video/mp4")
    refused("unsupported_type", lambda: fetch({GOOD: redirect(CDN), CDN: video}))
    opener = FakeOpener({})
    refused("unsupported_type", lambda: process(GOOD, ACCOUNT, TOKEN, HttpFetcher(opener), content_type="video/mp4"))
    assert opener.calls == []


def test_bad_urls_are_refused_before_any_request():
    opener = FakeOpener({})
    for url in ("https://evil.com" + EVIL_PATH, GOOD.replace(ACCOUNT, OTHER_ACCOUNT)):
        with pytest.raises(MediaRefused, match="not_twilio"):
            process(url, ACCOUNT, TOKEN, HttpFetcher(opener))
    refused("not_twilio", lambda: HttpFetcher(opener).get("https://evil.com/x", (ACCOUNT, TOKEN), 10))
    assert opener.calls == []


class FakeFetcher:
    """A Fetcher that returns whatever it is told (to check process's own checks)."""

    def __init__(self, status: int = 200, body: bytes = b"", final_url: str = GOOD, delete_status: int = 204) -> None:
        self.answer = (status, {}, body, final_url)
        self.delete_status = delete_status
        self.deleted: list[tuple[str, tuple[str, str]]] = []

    def get(self, url, auth, max_bytes):
        return self.answer

    def delete(self, url, auth):
        self.deleted.append((url, auth))
        if isinstance(self.delete_status, Exception):
            raise self.delete_status
        return self.delete_status


def test_process_checks_what_any_fetcher_returns():
    image = jpeg_with_gps()
    assert process(GOOD, ACCOUNT, TOKEN, FakeFetcher(body=image, final_url=CDN))[1] == "image/jpeg"
    refused("not_twilio", lambda: process(GOOD, ACCOUNT, TOKEN, FakeFetcher(body=image, final_url="https://evil.com/x")))
    refused("too_large", lambda: process(GOOD, ACCOUNT, TOKEN, FakeFetcher(body=image), max_bytes=100))


# --- delete_original -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, gone", [(204, True), (404, True), (401, False), (500, False), (200, False)])
def test_delete_original(status, gone):
    fetcher = FakeFetcher(delete_status=status)
    assert delete_original(GOOD, ACCOUNT, TOKEN, fetcher) is gone
    assert fetcher.deleted == [(GOOD + ".json", (ACCOUNT, TOKEN))]


def test_delete_original_network_failure_and_bad_url():
    assert delete_original(GOOD, ACCOUNT, TOKEN, FakeFetcher(delete_status=MediaRefused("fetch_failed", True))) is False
    refused("not_twilio", lambda: delete_original(GOOD.replace(ACCOUNT, OTHER_ACCOUNT), ACCOUNT, TOKEN, FakeFetcher()))


def test_http_delete_sends_credentials_to_the_json_resource():
    opener = FakeOpener({GOOD + ".json": answer(204)})
    assert delete_original(GOOD, ACCOUNT, TOKEN, HttpFetcher(opener)) is True
    method, url, headers, _ = opener.calls[0]
    assert (method, url, headers["Authorization"]) == ("DELETE", GOOD + ".json", basic_auth((ACCOUNT, TOKEN)))
    assert delete_original(GOOD, ACCOUNT, TOKEN, HttpFetcher(FakeOpener({GOOD + ".json": redirect(CDN)}))) is False


# --- The real urllib opener, against a local HTTPS server -------------------------------------------------------

@pytest.fixture(scope="module")
def local_https():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    seen: list[tuple[str, str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def answer(self) -> None:
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            status, headers, body = {"/redirect": (302, {"Location": "https://127.0.0.1/elsewhere"}, b""),
                                     "/error": (500, {}, b"oops"),
                                     "/gone": (204, {}, b"")}.get(self.path, (200, {}, b"x" * 3000))
            self.send_response(status)
            for header, value in headers.items():
                self.send_header(header, value)
            if status != 204:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_DELETE = answer

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.NamedTemporaryFile() as cert_file, tempfile.NamedTemporaryFile() as key_file:
        cert_file.write(pem)
        cert_file.flush()
        key_file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
        key_file.flush()
        server_context.load_cert_chain(cert_file.name, key_file.name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", ssl.create_default_context(cadata=pem.decode()), seen
    server.shutdown()
    server.server_close()


def test_urllib_opener_returns_answers_as_they_are(local_https, monkeypatch):
    base, context, seen = local_https
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    opener = UrllibOpener(context)
    response = opener("GET", base + "/redirect", {"Authorization": "Basic x"}, 5.0)
    assert response.status == 302 and response.headers["location"] == "https://127.0.0.1/elsewhere"
    response.body.close()
    assert [path for _, path, _ in seen] == ["/redirect"]          # the redirect was not followed
    response = opener("GET", base + "/error", {}, 5.0)
    assert response.status == 500 and response.body.read(10) == b"oops"
    response.body.close()
    response = opener("GET", base + "/photo", {}, 5.0)
    assert response.status == 200 and response.body.read(1001) == b"x" * 1001
    response.body.close()
    fetcher = HttpFetcher(opener)
    assert fetcher._read(opener("GET", base + "/photo", {}, 5.0), 5000, float("inf")) == b"x" * 3000
    with pytest.raises(MediaRefused, match="too_large"):
        fetcher._read(opener("GET", base + "/photo", {}, 5.0), 1000, float("inf"))
    assert opener("DELETE", base + "/gone", {}, 5.0).status == 204
    with pytest.raises(OSError):
        UrllibOpener()("GET", base + "/photo", {}, 5.0)               # self-signed: not trusted by default
    with pytest.raises(OSError):
        UrllibOpener()("GET", "http://127.0.0.1:9/", {}, 1.0)          # plain HTTP is not even attempted


# --- MediaCipher -------------------------------------------------------------------------------------------------

def test_media_cipher_round_trip_and_key_separation():
    secret = "a-long-enough-hash-secret"
    cipher = MediaCipher(secret)
    photo = clean_image(jpeg_with_gps())[0]
    token = cipher.encrypt(photo)
    assert token != photo and photo not in token
    assert cipher.decrypt(token) == photo and MediaCipher(secret).decrypt(token) == photo
    with pytest.raises(InvalidToken):
        MediaCipher("another-secret-entirely").decrypt(token)
    with pytest.raises(InvalidToken):
        HandleStore(None, secret, 60).fernet.decrypt(token)         # not the follow-up handles' key
