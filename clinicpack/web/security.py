"""What keeps patient details safe on a clinic network: sessions, the sign-in gate, CSRF
tokens, the upload limit and the response headers.

- Every browser gets a random session id in a cookie (``HttpOnly``, ``SameSite=Strict``).
  The CSRF token put into every form is an HMAC of that id with a secret made when the
  server starts, so no token table is kept and a restart simply expires old forms.
- With a password (required for any address but loopback), a session must be signed in
  before any page but the sign-in page and the stylesheet is served; signing in issues a
  new session id (no fixation) and a wrong password costs the guesser a second.
- A request body larger than ``MAX_BODY`` is refused from its Content-Length header before
  any of it is read; a body that lies about its length (or has none) is counted as it
  arrives and cut off at the limit.
- Every response says ``Cache-Control: no-store`` (pages and PDFs hold patient details),
  except the app's stylesheet and the brand's fonts (``no-cache``: revalidated, never
  stale); pages get a strict Content-Security-Policy: only the app's own files run.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "clinicpack_session"
SESSION_SECONDS = 12 * 3600  # a working day; then sign in again
MAX_UPLOAD = 2 * 1024 * 1024  # the day list (CSV) itself
MAX_BODY = MAX_UPLOAD + 64 * 1024  # the whole request: the file plus the form around it
SID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
OPEN_PATHS = ("/signin", "/static/", "/fonts")  # reachable before signing in
PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-frame-options": "DENY",
}
CACHEABLE = ("/static/", "/fonts")  # the app's own files and the brand's fonts: no patient data
ALL_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}

ErrorPage = Callable[[Scope, int, str, str], Awaitable[Response]]


class TooLarge(Exception):
    """The request body went past the limit while it was being read."""


class Sessions:
    """Session ids, their CSRF tokens and (with a password) who is signed in. Thread-safe."""

    def __init__(self, password: str | None = None):
        self.password = password
        self._secret = secrets.token_bytes(32)
        self._signed_in: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def protected(self) -> bool:
        return self.password is not None

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self._secret, sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.csrf_token(sid).encode())

    def password_ok(self, given: str) -> bool:
        if self.password is None:
            return False
        # compare digests: constant time whatever the lengths
        return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(self.password.encode()).digest())

    def sign_in(self) -> str:
        sid = self.new_id()
        with self._lock:
            now = time.monotonic()
            self._signed_in = {s: t for s, t in self._signed_in.items() if t > now}
            self._signed_in[sid] = now + SESSION_SECONDS
        return sid

    def signed_in(self, sid: str) -> bool:
        if not self.protected:
            return True
        with self._lock:
            return self._signed_in.get(sid, 0.0) > time.monotonic()

    def sign_out(self, sid: str) -> None:
        with self._lock:
            self._signed_in.pop(sid, None)


def session_cookie(sid: str) -> str:
    return f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict"


def _sid_from(headers: Headers) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is treated as no cookie
        return None
    morsel = cookie.get(COOKIE)
    return morsel.value if morsel is not None and SID_PATTERN.match(morsel.value) else None


class Guard:
    """ASGI middleware in front of every route: session cookie, sign-in gate, body limit and
    headers. Pure ASGI (not BaseHTTPMiddleware) so it can refuse a body before it is read."""

    def __init__(self, app: ASGIApp, sessions: Sessions, error_page: ErrorPage, max_body: int = MAX_BODY):
        self.app, self.sessions, self.error_page, self.max_body = app, sessions, error_page, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        sid = _sid_from(headers)
        fresh = sid is None
        sid = sid or self.sessions.new_id()
        scope.setdefault("state", {})["sid"] = sid
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                for key, value in ALL_HEADERS.items():
                    out[key] = value
                out["cache-control"] = "no-cache" if scope["path"].startswith(CACHEABLE) else "no-store"
                if not out.get("content-type", "").startswith("application/pdf"):  # the browser's PDF viewer needs its own rules
                    for key, value in PAGE_HEADERS.items():
                        out.setdefault(key, value)
                if fresh and not any(v.startswith(COOKIE + "=") for v in out.getlist("set-cookie")):
                    out.append("set-cookie", session_cookie(sid))
            await send(message)

        refusal = self._refusal(scope, headers, sid)
        if refusal is not None:
            response = await refusal
            await response(scope, receive, send_with_headers)
            return
        try:
            await self.app(scope, self._limited(receive), send_with_headers)
        except TooLarge:
            if started:
                raise
            response = await self._too_large(scope)
            await response(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: Headers, sid: str) -> Awaitable[Response] | None:
        path = scope["path"]
        if not self.sessions.signed_in(sid) and not path.startswith(OPEN_PATHS):
            if scope["method"] in ("GET", "HEAD"):
                return _ready(RedirectResponse("/signin", status_code=303))
            return self.error_page(scope, 403, "Please sign in", "This front desk needs its password. Sign in, then try again.")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return self._too_large(scope)
        return None

    def _too_large(self, scope: Scope) -> Awaitable[Response]:
        mb = MAX_UPLOAD // (1024 * 1024)
        return self.error_page(scope, 413, "File too large",
                               f"Uploads are limited to {mb} MB. A day list of a few hundred patients is far smaller: "
                               "check that you chose the CSV file, not a spreadsheet or a PDF.")

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise TooLarge()
            return message

        return counted


async def _ready(response: Response) -> Response:
    return response
