"""The aiohttp application of "Tra cứu thửa đất", a web mini-app of the citizen app: its own
OpenID Connect client of govhub, its own session, and lookups in the land registry through
the integration hub."""

from __future__ import annotations

import logging
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from govhub_sandbox.miniapp import pages
from govhub_sandbox.miniapp.config import Settings
from govhub_sandbox.miniapp.hub import HubAnswer, HubError, LandRegistry
from govhub_sandbox.miniapp.oidc import (
    InvalidTokenError,
    ProviderError,
    RelyingParty,
    new_login_request,
)
from govhub_sandbox.miniapp.sessions import COOKIE, Person, SeenTokens, Session, SessionStore

logger = logging.getLogger("govhub_sandbox.miniapp")
SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", SessionStore)
SEEN = web.AppKey("seen", SeenTokens)
RP = web.AppKey("rp", RelyingParty)
LAND = web.AppKey("land", LandRegistry)
HTTP = web.AppKey("http", aiohttp.ClientSession)
PARCEL_ID = re.compile(r"^\d{5}-\d{3}-\d{4}$")
NUMBER = re.compile(r"^[1-9]\d{0,5}$")
# OIDC Core §3.1.2.6: the provider could not answer without showing a page.
NEEDS_INTERACTION = {"login_required", "interaction_required", "consent_required",
                     "account_selection_required"}
PROVIDER_DOWN = ("Không kết nối được hệ thống đăng nhập Chính quyền số Cà Mau. Vui lòng thử "
                 "lại sau.")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def _current(request: web.Request) -> Session | None:
    return request.app[STORE].get(request.cookies.get(COOKIE))


def _with_cookie(response: web.StreamResponse, request: web.Request,
                 session: Session) -> web.StreamResponse:
    response.set_cookie(COOKIE, session.id, httponly=True, samesite="Lax", path="/",
                        secure=request.app[SETTINGS].secure_cookies)
    return response


async def _start_login(request: web.Request, session: Session | None,
                       *, silent: bool) -> web.StreamResponse:
    store = request.app[STORE]
    session = session or store.new()
    path = request.rel_url.path_qs
    if request.path == "/dang-nhap" or not path.startswith("/") or path.startswith("//"):
        path = "/"  # back to a page of this app only, never "//elsewhere" (open redirect)
    login = new_login_request(path)
    try:
        url = await request.app[RP].authorization_url(login, silent=silent)
    except ProviderError as error:
        logger.warning("cannot start sign-in: %s", error)
        return _html(pages.problem_page(PROVIDER_DOWN), 503)
    store.add_login(session, login)
    return _with_cookie(_redirect(url), request, session)


def _search_values(request: web.Request) -> tuple[dict[str, str], HubError | None]:
    values = {k: request.query.get(k, "").strip() for k in ("commune", "sheet", "parcel")}
    if values["commune"] not in {code for code, _ in pages.COMMUNES}:
        return values, HubError("Vui lòng chọn xã, phường trong danh sách.", "")
    for field, label in (("sheet", "Số tờ"), ("parcel", "Số thửa")):
        if values[field] and not NUMBER.match(values[field]):
            return values, HubError(f"{label} phải là số nguyên dương.", "")
    return values, None


async def home(request: web.Request) -> web.StreamResponse:
    """Signed in: the search form, and results when it was sent. Not signed in: ask govhub
    at once, silently — a person signed in there (the citizen app) arrives signed in."""
    session = _current(request)
    if session is None or session.person is None:
        return await _start_login(request, session, silent=True)
    person = session.person
    values: dict[str, str] = {}
    answer = HubAnswer(None, None)
    if "commune" in request.query:
        values, invalid = _search_values(request)
        answer = HubAnswer(None, invalid) if invalid else await request.app[LAND].search(
            values["commune"], values["sheet"], values["parcel"], person.sub)
    return _html(pages.search_page(name=person.name, csrf=session.csrf, values=values,
                                   data=answer.data, error=answer.error))


async def parcel(request: web.Request) -> web.StreamResponse:
    session = _current(request)
    if session is None or session.person is None:
        return await _start_login(request, session, silent=True)
    parcel_id = request.match_info["parcel_id"]
    if not PARCEL_ID.match(parcel_id):
        answer = HubAnswer(None, HubError("Mã thửa đất không hợp lệ.", ""))
    else:
        answer = await request.app[LAND].parcel(parcel_id, session.person.sub)
    return _html(pages.parcel_page(name=session.person.name, csrf=session.csrf,
                                   data=answer.data, error=answer.error),
                 200 if answer.error is None else answer.error.status or 400)


async def sign_in(request: web.Request) -> web.StreamResponse:
    """The "Đăng nhập" button: the same flow, but govhub may show its sign-in page."""
    return await _start_login(request, _current(request), silent=False)


async def signed_out(request: web.Request) -> web.StreamResponse:
    return _html(pages.signed_out_page())


async def callback(request: web.Request) -> web.StreamResponse:
    session = _current(request)
    login = session.logins.pop(request.query.get("state", ""), None) if session else None
    if session is None or login is None:  # CSRF on the redirect (RFC 6749 §10.12)
        return _html(pages.problem_page("Phiên đăng nhập không hợp lệ hoặc đã hết hạn."), 400)
    settings = request.app[SETTINGS]
    error = request.query.get("error")
    if error in NEEDS_INTERACTION:
        return _redirect("/chua-dang-nhap")
    iss = request.query.get("iss")  # RFC 9207: a mix-up is refused
    if error or (iss and iss.rstrip("/") != settings.issuer.rstrip("/")):
        return _html(pages.problem_page(f"Đăng nhập không thành công ({error or 'iss'})."), 400)
    try:
        claims = await request.app[RP].exchange_code(request.query.get("code", ""), login)
    except (ProviderError, InvalidTokenError) as failure:
        logger.warning("sign-in failed: %s", failure)
        return _html(pages.problem_page("Đăng nhập không thành công. Vui lòng thử lại."), 400)
    person = Person(str(claims["sub"]), claims.get("sid"),
                    str(claims.get("name") or claims["sub"]), str(claims["_id_token"]))
    signed_in = request.app[STORE].sign_in(session, person)
    return _with_cookie(_redirect(login.return_to), request, signed_in)


async def sign_out(request: web.Request) -> web.StreamResponse:
    """RP-initiated logout: end this app's session, then send the browser to govhub to end
    the single sign-on session too (which notifies every other app by back-channel)."""
    session = _current(request)
    form = await request.post()
    if session is None or session.person is None or form.get("csrf") != session.csrf:
        return _redirect("/chua-dang-nhap", 303)
    request.app[STORE].end(session.id)
    try:
        url = await request.app[RP].end_session_url(session.person.id_token)
    except ProviderError:
        url = None
    response = _redirect(url or "/chua-dang-nhap", 303)
    response.del_cookie(COOKIE, path="/")
    return response


def _logout_refused(reason: str) -> web.Response:
    logger.warning("back-channel logout refused: %s", reason)
    # Back-Channel Logout 1.0 §2.8: 400 with an OAuth-style error for a bad request.
    return web.json_response({"error": "invalid_request", "error_description": reason},
                             status=400, headers={"Cache-Control": "no-store"})


async def backchannel_logout(request: web.Request) -> web.StreamResponse:
    """OpenID Connect Back-Channel Logout 1.0 §2.5-2.8: govhub POSTs a signed logout token
    when its sign-in session ends; every session of ours tied to it ends at once."""
    form = await request.post()
    token = form.get("logout_token")
    if not isinstance(token, str) or not token:
        return _logout_refused("logout_token is missing")
    try:
        claims = await request.app[RP].verify_logout_token(token)
    except InvalidTokenError as error:
        return _logout_refused(str(error))
    except ProviderError as error:  # cannot fetch the keys to check it: govhub will retry
        logger.warning("back-channel logout: %s", error)
        return web.json_response({"error": "temporarily_unavailable"}, status=503)
    jti = str(claims.get("jti") or "")
    until = float(claims.get("exp") or time.time() + 600)
    if jti and not request.app[SEEN].first_time(jti, until):
        return _logout_refused("logout token replayed")
    ended = request.app[STORE].end_for(sid=claims.get("sid"), sub=claims.get("sub"))
    logger.info("back-channel logout: sid=%s sub=%s, %d session(s) ended",
                claims.get("sid"), claims.get("sub"), ended)
    return web.Response(status=200, headers={"Cache-Control": "no-store"})


async def style(request: web.Request) -> web.StreamResponse:
    return web.Response(text=pages.CSS, content_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})


async def health(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    # form-action must allow govhub: Chromium applies it to the redirect after "Đăng xuất".
    issuer = _origin(request.app[SETTINGS].issuer)
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; "
        f"form-action 'self' {issuer}; base-uri 'none'; object-src 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # the code stays here
    if request.path != "/style.css":
        # Pages name the person: never stored by a browser or proxy (RFC 9111 §5.2.2.5).
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exception:  # 404, 405: the same headers, then re-raised
        _secure(request, exception)
        raise
    _secure(request, response)
    return response


async def _open_http(app: web.Application) -> None:
    timeout = aiohttp.ClientTimeout(total=app[SETTINGS].http_timeout_seconds)
    app[HTTP] = aiohttp.ClientSession(timeout=timeout)
    app[RP] = RelyingParty(app[SETTINGS], app[HTTP])
    app[LAND] = LandRegistry(app[SETTINGS], app[HTTP])


async def _close_http(app: web.Application) -> None:
    await app[HTTP].close()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[security_headers])
    app[SETTINGS] = settings
    app[STORE] = SessionStore(settings.session_seconds)
    app[SEEN] = SeenTokens()
    app.on_startup.append(_open_http)
    app.on_cleanup.append(_close_http)
    app.router.add_get("/", home)
    app.router.add_get("/thua-dat/{parcel_id}", parcel)
    app.router.add_get("/dang-nhap", sign_in)
    app.router.add_get("/chua-dang-nhap", signed_out)
    app.router.add_get("/callback", callback)
    app.router.add_post("/dang-xuat", sign_out)
    app.router.add_post("/backchannel-logout", backchannel_logout)
    app.router.add_get("/style.css", style)
    app.router.add_get("/health", health)
    return app
