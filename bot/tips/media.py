"""Photos residents send during a tip (MMS or WhatsApp media): fetch from Twilio, strip, re-encode, encrypt.

The webhook gives `MediaUrl0..N`, each a Media resource of the line's own Twilio account on api.twilio.com.
`process` accepts only such URLs, fetches the bytes (basic auth to api.twilio.com only; Twilio answers with
a redirect to a short-lived URL on its CDN, which is fetched without credentials), refuses anything too
large or not an image, and re-encodes the pixels alone (JPEG, or PNG when there is transparency): EXIF
(GPS position, phone model, time), ICC/XMP profiles and comments are all dropped. `delete_original`
removes the Media resource from Twilio once the cleaned copy is stored. `MediaCipher` encrypts the cleaned
copy for storage; keeping it (Redis) is the caller's business. Nothing here logs: URLs and the auth token
never reach a log from this module. Video and audio are refused ("unsupported_type").
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import io
import re
import ssl
import struct
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.fernet import Fernet
from PIL import Image, ImageOps

MAX_MEDIA_BYTES = 5 * 1024 * 1024     # Twilio's own limit for all media of one message
MAX_PIXELS = 40_000_000               # a 40 MP photo; more is refused as a decompression bomb ("too_large")
TIMEOUT = 10.0                        # seconds, per connection / read
DEADLINE = 30.0                       # seconds, for a whole fetch including redirects
MAX_REDIRECTS = 3
JPEG_QUALITY = 85

REASONS = frozenset({"not_twilio", "too_large", "not_an_image", "unsupported_type", "fetch_failed"})

API_HOST = "api.twilio.com"           # the only host that ever gets the account's credentials
# Where api.twilio.com redirects a Media resource to (the bytes), never sent credentials:
# - mms.twiliocdn.com: the short-lived (4 h) signed URLs used when "Enforce HTTP Auth on Media URLs" is on
#   (Twilio support article 223183748); any other *.twiliocdn.com name is Twilio's own domain too
#   (media.twiliocdn.com, or a future shard), so the whole suffix is accepted.
# - the S3 bucket "media.twiliocdn.com": older accounts without media auth are redirected to
#   https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC.../<hash>. S3 hosts are shared by every AWS
#   customer, so only that bucket is accepted (path style on the S3 hosts below, or virtual-hosted style).
CDN_HOST_SUFFIXES = (".twiliocdn.com",)
LEGACY_S3_HOSTS = frozenset({"s3-external-1.amazonaws.com", "s3.amazonaws.com"})
LEGACY_S3_BUCKET = "media.twiliocdn.com"
LEGACY_S3_VIRTUAL_HOST = LEGACY_S3_BUCKET + ".s3.amazonaws.com"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TEMPORARY_STATUSES = frozenset({408, 425, 429})
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")      # Pillow plugins tried, by content
ACCEPTED_FORMATS = frozenset(IMAGE_FORMATS) | {"MPO"}  # phones' multi-picture JPEGs open as MPO
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "La", "RGBa"})

_SID = "[0-9a-fA-F]{32}"
_MEDIA_URL = re.compile(
    rf"(?i:https)://(?P<host>[^/?#]*)/2010-04-01/Accounts/(?P<account>AC{_SID})"
    rf"/Messages/(?P<message>(?:MM|SM){_SID})/Media/(?P<media>ME{_SID})(?:\.json)?",
    re.ASCII,
)
_NETLOC = re.compile(r"[a-z0-9.-]+(?::443)?", re.ASCII)

Auth = tuple[str, str]


class MediaRefused(Exception):
    """A piece of media that will not be kept; `.reason` says why, `.temporary` whether a retry may work."""

    def __init__(self, reason: str, temporary: bool = False) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason: {reason}")
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


# --- URLs -------------------------------------------------------------------------------------------------

def check_media_url(url: str, account_sid: str) -> str:
    """The canonical URL of a Media resource of this account on api.twilio.com; MediaRefused otherwise."""
    match = _MEDIA_URL.fullmatch(url) if isinstance(url, str) else None
    if match is None or match["host"].lower() != API_HOST or match["account"] != account_sid:
        raise MediaRefused("not_twilio")
    return f"https://{API_HOST}/2010-04-01/Accounts/{account_sid}/Messages/{match['message']}/Media/{match['media']}"


def next_hop_allowed(url: str, first: bool) -> bool:
    """Whether a request may go to this URL: api.twilio.com for the first hop, Twilio's CDN after a redirect."""
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    netloc = parts.netloc.lower()
    if parts.scheme != "https" or not _NETLOC.fullmatch(netloc) or parts.fragment:
        return False
    host = netloc.removesuffix(":443")
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/")]
    if any(s in (".", "..") or "/" in s or "\\" in s for s in segments):
        return False
    if first:
        return host == API_HOST
    if host.endswith(CDN_HOST_SUFFIXES) or host == LEGACY_S3_VIRTUAL_HOST:
        return True
    return host in LEGACY_S3_HOSTS and parts.path.split("/")[1:2] == [LEGACY_S3_BUCKET]


def check_content_type(content_type: str | None) -> None:
    """Refuse media declared as video or audio ("unsupported_type"); anything else is judged by content."""
    major = (content_type or "").split("/", 1)[0].strip().lower()
    if major in ("video", "audio"):
        raise MediaRefused("unsupported_type")


# --- HTTP -------------------------------------------------------------------------------------------------

class Fetcher(Protocol):
    """The HTTP `process` and `delete_original` need."""

    def get(self, url: str, auth: Auth | None, max_bytes: int) -> tuple[int, Mapping[str, str], bytes, str]:
        """(status, lower-cased headers, body, final URL) of a GET, redirects followed."""
        ...

    def delete(self, url: str, auth: Auth) -> int:
        """The status of a DELETE (redirects not followed)."""
        ...


class Body(Protocol):
    """A response body: read in pieces, then closed."""

    def read(self, size: int = -1, /) -> bytes:
        """At most `size` bytes; b"" at the end."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


@dataclass
class RawResponse:
    """One HTTP response, redirects not followed; `body` is read incrementally and closed by the caller."""

    status: int
    headers: Mapping[str, str]
    body: Body


Opener = Callable[[str, str, Mapping[str, str], float], RawResponse]


class UrllibOpener:
    """The real Opener on urllib: HTTPS only, certificates verified, environment proxies honoured, and
    every answer returned as it is (redirects are not followed, 4xx/5xx are not raised)."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.director = urllib.request.OpenerDirector()
        self.director.add_handler(urllib.request.ProxyHandler())
        self.director.add_handler(urllib.request.HTTPSHandler(context=context or ssl.create_default_context()))

    def __call__(self, method: str, url: str, headers: Mapping[str, str], timeout: float) -> RawResponse:
        """Send one request and return the response."""
        request = urllib.request.Request(url, headers=dict(headers), method=method)
        response = self.director.open(request, timeout=timeout)
        if response is None:
            raise OSError("no handler for this URL (only https is supported)")
        return RawResponse(response.status, {k.lower(): v for k, v in response.headers.items()}, response)


def basic_auth(auth: Auth) -> str:
    """The Authorization header value for HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")


class HttpFetcher:
    """The real Fetcher: redirects followed by hand, each hop checked, credentials for api.twilio.com only."""

    def __init__(self, opener: Opener | None = None, timeout: float = TIMEOUT, deadline: float = DEADLINE,
                 max_redirects: int = MAX_REDIRECTS, clock: Callable[[], float] = time.monotonic) -> None:
        self.opener = opener or UrllibOpener()
        self.timeout = timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.clock = clock

    def get(self, url: str, auth: Auth | None, max_bytes: int) -> tuple[int, Mapping[str, str], bytes, str]:
        """GET a media URL on api.twilio.com, following at most `max_redirects` redirects to Twilio's CDN."""
        end = self.clock() + self.deadline
        for hop in range(self.max_redirects + 1):
            if not next_hop_allowed(url, first=hop == 0):
                raise MediaRefused("not_twilio")
            headers = {"User-Agent": "linea-segura-media/1"}
            if hop == 0 and auth is not None:
                headers["Authorization"] = basic_auth(auth)
            response = self._send("GET", url, headers, end)
            try:
                location = response.headers.get("location")
                if response.status in REDIRECT_STATUSES and location:
                    url = urllib.parse.urljoin(url, location)
                    continue
                body = self._read(response, max_bytes, end) if 200 <= response.status < 300 else b""
                return response.status, response.headers, body, url
            finally:
                _close(response)
        raise MediaRefused("fetch_failed")

    def delete(self, url: str, auth: Auth) -> int:
        """DELETE a resource on api.twilio.com (with credentials) and return the status."""
        if not next_hop_allowed(url, first=True):
            raise MediaRefused("not_twilio")
        headers = {"User-Agent": "linea-segura-media/1", "Authorization": basic_auth(auth)}
        response = self._send("DELETE", url, headers, self.clock() + self.deadline)
        _close(response)
        return response.status

    def _send(self, method: str, url: str, headers: Mapping[str, str], end: float) -> RawResponse:
        """One request within the deadline; network trouble becomes a temporary "fetch_failed"."""
        try:
            return self.opener(method, url, headers, self._remaining(end))
        except (OSError, http.client.HTTPException) as error:
            raise MediaRefused("fetch_failed", temporary=True) from error

    def _read(self, response: RawResponse, max_bytes: int, end: float) -> bytes:
        """The body, refused as "too_large" past max_bytes (declared or actual), read within the deadline."""
        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > max_bytes:
            raise MediaRefused("too_large")
        # read1 (http.client, io) makes at most one socket read, so the deadline holds against a trickle
        read = getattr(response.body, "read1", None) or response.body.read
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            self._remaining(end)
            try:
                chunk = read(min(64 * 1024, max_bytes + 1 - size))
            except (OSError, http.client.HTTPException) as error:
                raise MediaRefused("fetch_failed", temporary=True) from error
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise MediaRefused("too_large")
        return b"".join(chunks)

    def _remaining(self, end: float) -> float:
        """Seconds left for this fetch (at most the per-operation timeout); "fetch_failed" once past it."""
        left = end - self.clock()
        if left <= 0:
            raise MediaRefused("fetch_failed", temporary=True)
        return min(self.timeout, left)


def _close(response: RawResponse) -> None:
    """Close a response body, ignoring errors."""
    try:
        response.body.close()
    except (OSError, http.client.HTTPException):
        pass


# --- Images -----------------------------------------------------------------------------------------------

def clean_image(data: bytes, max_pixels: int = MAX_PIXELS) -> tuple[bytes, str]:
    """The pixels of a JPEG/PNG/WEBP/GIF (first frame), upright, re-encoded without any metadata."""
    image = _open_image(data, max_pixels)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise MediaRefused("not_an_image") from error
    return _encode(_pixels_only(_upright(image)))


def _open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open by content with the allowed decoders only; refuse oversize dimensions before decoding."""
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError as error:
        raise MediaRefused("too_large") from error
    except (OSError, SyntaxError, ValueError, EOFError, TypeError) as error:
        raise MediaRefused("not_an_image") from error
    if image.format not in ACCEPTED_FORMATS:
        raise MediaRefused("not_an_image")
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaRefused("not_an_image")
    if width * height > max_pixels:
        raise MediaRefused("too_large")
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (unchanged when the EXIF cannot be read)."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, struct.error):  # damaged EXIF
        return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image, or RGBA when some pixel is not opaque, with the same pixels and an empty `info`."""
    if "transparency" in image.info or image.mode in _ALPHA_MODES:
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            return _fresh(rgba)
        image = rgba
    return _fresh(image.convert("RGB"))


def _fresh(image: Image.Image) -> Image.Image:
    """A copy made of the pixels alone: no EXIF, ICC or XMP profile, comment or text chunk can follow."""
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    return fresh


def _encode(image: Image.Image) -> tuple[bytes, str]:
    """JPEG for opaque images, PNG for transparent ones; nothing but pixels written."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True)
        return buffer.getvalue(), "image/png"
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=b"")
    return buffer.getvalue(), "image/jpeg"


# --- The whole job ----------------------------------------------------------------------------------------

def process(url: str, account_sid: str, auth_token: str, fetcher: Fetcher, max_bytes: int = MAX_MEDIA_BYTES,
            content_type: str | None = None) -> tuple[bytes, str]:
    """Check, fetch and clean one media URL of the webhook; (cleaned bytes, content type) or MediaRefused."""
    check_content_type(content_type)
    canonical = check_media_url(url, account_sid)
    status, headers, body, final_url = fetcher.get(canonical, (account_sid, auth_token), max_bytes)
    if final_url != canonical and not next_hop_allowed(final_url, first=False):
        raise MediaRefused("not_twilio")
    _check_status(status)
    check_content_type(headers.get("content-type"))
    if len(body) > max_bytes:
        raise MediaRefused("too_large")
    return clean_image(body)


def _check_status(status: int) -> None:
    """Refuse a non-2xx answer: "fetch_failed", temporary for 5xx, 408, 425 and 429."""
    if not 200 <= status < 300:
        raise MediaRefused("fetch_failed", temporary=status >= 500 or status in TEMPORARY_STATUSES)


def delete_original(url: str, account_sid: str, auth_token: str, fetcher: Fetcher) -> bool:
    """Delete the Media resource from Twilio; True when it is gone (204, or 404 already), False otherwise."""
    resource = check_media_url(url, account_sid) + ".json"
    try:
        status = fetcher.delete(resource, (account_sid, auth_token))
    except MediaRefused:
        return False
    return status in (204, 404)


# --- Storage ----------------------------------------------------------------------------------------------

class MediaCipher:
    """Fernet encryption of cleaned media under a key derived from LINE_HASH_SECRET."""

    def __init__(self, secret: str) -> None:
        self.fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"linea-media:" + secret.encode()).digest()))

    def encrypt(self, data: bytes) -> bytes:
        """The Fernet token of some bytes."""
        return self.fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """The bytes of a token; cryptography.fernet.InvalidToken when it was made under another secret."""
        return self.fernet.decrypt(token)
