"""Browser-facing endpoints: /authorize (OIDC Core §3.1.2) and /logout (OpenID Connect
RP-Initiated Logout 1.0)."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from multidict import MultiDict, MultiMapping

from govhub_sandbox.vneid import pages
from govhub_sandbox.vneid.config import (
    Citizen,
    RegisteredClient,
    check_personal_id,
    gender_from_personal_id,
)
from govhub_sandbox.vneid.provider import PROVIDER, SESSION_COOKIE, Provider, page_response
from govhub_sandbox.vneid.store import (
    AuthorizationCode,
    AuthorizationRequest,
    Session,
    new_secret,
)
from govhub_sandbox.vneid.tokens import CODE_CHALLENGE_S256

SUPPORTED_SCOPES = ("openid", "profile", "vneid")
PHONE = re.compile(r"^0\d{9}$")
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"  # Back-Channel Logout §2.4


class DuplicateParameterError(ValueError):
    pass


@dataclass(frozen=True)
class AuthorizationError:
    """An error returned to the client's redirect_uri (RFC 6749 §4.1.2.1)."""

    error: str
    description: str
    state: str | None = None


@dataclass(frozen=True)
class ParsedRequest:
    request: AuthorizationRequest
    is_silent: bool  # prompt=none (OIDC Core §3.1.2.1): no page may be shown


def _single(params: MultiMapping[str], name: str) -> str | None:
    # RFC 6749 §3.1: request parameters MUST NOT be included more than once.
    values = params.getall(name, [])
    if len(values) > 1:
        raise DuplicateParameterError(name)
    return values[0] if values else None


def _redirect(uri: str, params: Mapping[str, str | None], *, status: int) -> web.HTTPException:
    # RFC 6749 §3.1.2: keep the redirect URI's own query and add ours to it.
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    location = urlunsplit(parts._replace(query=urlencode(query)))
    # RFC 9700 §4.12: after a POST that carried the user's input use 303, never 307.
    cls = web.HTTPSeeOther if status == 303 else web.HTTPFound
    return cls(location=location, headers={"Cache-Control": "no-store",
                                                "Referrer-Policy": "no-referrer"})


def _error_page(title: str, message: str, *, status: int = 400) -> web.Response:
    return page_response(pages.error_page(title, message), status=status)


def _error_redirect(provider: Provider, request: web.Request, redirect_uri: str,
                    error: AuthorizationError, *, status: int) -> web.HTTPException:
    return _redirect(redirect_uri, {
        "error": error.error, "error_description": error.description, "state": error.state,
        "iss": provider.issuer(request),  # RFC 9207: lets the client detect mix-up attacks
    }, status=status)


def _first_problem(params: Mapping[str, str | None], provider: Provider,
                   has_request_object: bool) -> tuple[str, str] | None:
    scope, prompt = params["scope"] or "", params["prompt"] or ""
    challenge = params["code_challenge"]
    checks = (
        # OIDC Core §6: request objects are optional for an OP; this one does not take them.
        (has_request_object, "request_not_supported", "Request objects are not supported."),
        # Only the authorization code flow (OIDC Core §3.1).
        (params["response_type"] != "code", "unsupported_response_type",
         "Use response_type=code."),
        # OIDC Core §3.1.2.1: the scope MUST contain openid.
        ("openid" not in scope.split(), "invalid_scope", "The scope must contain openid."),
        (provider.config.require_state and not params["state"], "invalid_request",
         "The state parameter is required."),
        (challenge is None and (params["code_challenge_method"] is not None
                                or provider.config.require_pkce),
         "invalid_request", "A code_challenge is required."),
        # RFC 7636 §4.3: a missing method means "plain", which this provider refuses.
        (challenge is not None and params["code_challenge_method"] != "S256",
         "invalid_request", "Use code_challenge_method=S256."),
        (challenge is not None and not CODE_CHALLENGE_S256.match(challenge),
         "invalid_request", "The code_challenge is not a base64url SHA-256 digest."),
        # OIDC Core §3.1.2.1: prompt=none cannot be combined with other values.
        ("none" in prompt.split() and len(prompt.split()) > 1, "invalid_request",
         "prompt=none must stand alone."),
        (params["max_age"] is not None and not (params["max_age"] or "").isdigit(),
         "invalid_request", "max_age is a number of seconds."),
    )
    return next(((error, text) for failed, error, text in checks if failed), None)


def _parse_request(query: MultiMapping[str], provider: Provider, client_id: str,
                   redirect_uri: str) -> ParsedRequest | AuthorizationError:
    """Everything after client_id and redirect_uri (OIDC Core §3.1.2.2)."""
    names = ("response_type", "scope", "state", "nonce", "code_challenge",
             "code_challenge_method", "prompt", "max_age", "acr_values")
    try:
        params = {name: _single(query, name) for name in names}
    except DuplicateParameterError as error:
        return AuthorizationError("invalid_request", f"Parameter {error} is repeated.",
                                  query.get("state"))
    problem = _first_problem(params, provider, "request" in query or "request_uri" in query)
    if problem:
        return AuthorizationError(*problem, state=params["state"])
    requested = (params["scope"] or "").split()
    prompt = (params["prompt"] or "").split()
    max_age = params["max_age"]
    return ParsedRequest(AuthorizationRequest(
        client_id=client_id, redirect_uri=redirect_uri,
        # RFC 6749 §3.3: the server may leave out scopes it does not know.
        scopes=tuple(s for s in SUPPORTED_SCOPES if s in requested),
        state=params["state"], nonce=params["nonce"], code_challenge=params["code_challenge"],
        expires_at=provider.clock() + provider.config.login_page_ttl_seconds,
        max_age=int(max_age) if max_age is not None else None,
        force_login="login" in prompt,
        acr_values=tuple((params["acr_values"] or "").split()),
    ), is_silent=prompt == ["none"])


def _usable_session(provider: Provider, request: web.Request,
                    auth: AuthorizationRequest) -> Session | None:
    """The sandbox session, if this request may reuse it (OIDC Core §3.1.2.1 prompt, max_age)."""
    session = provider.store.session(request.cookies.get(SESSION_COOKIE))
    if session is None or auth.force_login:
        return None
    if auth.max_age is not None and provider.now() - session.auth_time > auth.max_age:
        return None
    return session


def _issue_code(provider: Provider, request: web.Request, auth: AuthorizationRequest,
                session: Session, *, status: int) -> web.HTTPException:
    """OIDC Core §3.1.2.5: a one-time code (RFC 6749 §4.1.2: short-lived, single use)."""
    provider.store.session_clients.setdefault(session.public_id, set()).add(auth.client_id)
    code = provider.store.add_code(AuthorizationCode(
        request=auth, citizen=session.citizen, auth_time=session.auth_time,
        expires_at=provider.clock() + provider.config.code_ttl_seconds, sid=session.public_id))
    return _redirect(auth.redirect_uri, {"code": code, "state": auth.state,
                                         "iss": provider.issuer(request)}, status=status)


async def authorize(request: web.Request) -> web.StreamResponse:
    """GET /authorize: validate, then show the login page (or answer at once for prompt=none)."""
    provider = request.app[PROVIDER]
    # RFC 6749 §4.1.2.1 and §10.15 (open redirectors), OIDC Core §3.1.2.1: until client_id
    # and the exact redirect_uri are known good, errors are shown here and never redirected.
    try:
        client_id = _single(request.query, "client_id") or ""
        redirect_uri = _single(request.query, "redirect_uri") or ""
    except DuplicateParameterError as error:
        return _error_page("Yêu cầu đăng nhập không hợp lệ",
                           f"Tham số {error} xuất hiện nhiều lần.")
    client = provider.config.client(client_id)
    if client is None:
        return _error_page("Ứng dụng chưa được đăng ký",
                           f"Mã ứng dụng (client_id) “{client_id}” không có trong danh sách "
                           "ứng dụng được phép đăng nhập bằng VNeID.")
    if redirect_uri not in client.redirect_uris:  # exact string match, OIDC Core §3.1.2.1
        return _error_page("Địa chỉ chuyển hướng không hợp lệ",
                           f"Địa chỉ “{redirect_uri}” chưa được đăng ký cho ứng dụng "
                           f"{client.display_name}.")
    parsed = _parse_request(request.query, provider, client_id, redirect_uri)
    if isinstance(parsed, AuthorizationError):
        raise _error_redirect(provider, request, redirect_uri, parsed, status=302)
    session = _usable_session(provider, request, parsed.request)
    if parsed.is_silent:
        if session is None:  # OIDC Core §3.1.2.6
            raise _error_redirect(provider, request, redirect_uri, AuthorizationError(
                "login_required", "No signed-in session.", parsed.request.state), status=302)
        raise _issue_code(provider, request, parsed.request, session, status=302)
    transaction_id = provider.store.add_login_page(parsed.request)
    return _login_page(provider, client, parsed.request, transaction_id, session, {}, {})


def _login_page(provider: Provider, client: RegisteredClient, auth: AuthorizationRequest,
                transaction_id: str, session: Session | None, values: Mapping[str, str],
                errors: Mapping[str, str]) -> web.Response:
    html = pages.login_page(
        client=client, scopes=auth.scopes, transaction_id=transaction_id,
        citizens=provider.config.citizens, signed_in=session.citizen if session else None,
        values=values, errors=errors)
    return page_response(html, status=400 if errors else 200)


def _citizen_from_form(provider: Provider,
                       form: Mapping[str, str]) -> Citizen | dict[str, str]:
    """The person typed into the "other citizen" form, or the errors per field."""
    errors: dict[str, str] = {}
    number = re.sub(r"\s+", "", form.get("so_dinh_danh", ""))
    # Unicode NFC: the same name typed with combining marks or precomposed letters is equal.
    name = " ".join(unicodedata.normalize("NFC", form.get("ho_va_ten", "")).split())
    phone = form.get("so_dien_thoai", "").strip()
    birth_date: date | None = None
    try:
        birth_date = date.fromisoformat(form.get("ngay_sinh", ""))
    except ValueError:
        errors["ngay_sinh"] = "Nhập ngày sinh hợp lệ."
    if birth_date and not date(1900, 1, 1) <= birth_date <= date.today():
        errors["ngay_sinh"] = "Ngày sinh phải từ năm 1900 đến hôm nay."
        birth_date = None
    if not name or len(name) > 100 or not all(c.isalpha() or c == " " for c in name):
        errors["ho_va_ten"] = "Họ và tên gồm chữ cái và dấu cách, tối đa 100 ký tự."
    if not re.fullmatch(r"\d{12}", number):
        errors["so_dinh_danh"] = "Số định danh cá nhân phải gồm đúng 12 chữ số."
    elif provider.config.citizen(number):
        errors["so_dinh_danh"] = "Số định danh này đã có trong danh sách công dân ở trên."
    elif birth_date:
        problem = check_personal_id(number, gender=gender_from_personal_id(number),
                                    birth_date=birth_date)
        if problem:
            errors["so_dinh_danh"] = problem
    if phone and not PHONE.match(phone):
        errors["so_dien_thoai"] = "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0."
    if form.get("level") not in ("1", "2"):
        errors["level"] = "Chọn mức độ 1 hoặc 2."
    if errors or birth_date is None:
        return errors
    return Citizen(so_dinh_danh=number, ho_va_ten=name, ngay_sinh=birth_date,
                   gioi_tinh=gender_from_personal_id(number), level=int(form["level"]),
                   so_dien_thoai=phone or None)


async def authorize_submit(request: web.Request) -> web.StreamResponse:
    """POST /authorize: the citizen's choice on the login page, or their refusal."""
    provider = request.app[PROVIDER]
    posted = await request.post()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    transaction_id = form.get("tx", "")
    auth = provider.store.login_page(transaction_id)
    client = provider.config.client(auth.client_id) if auth else None
    if auth is None or client is None:
        return _error_page("Phiên đăng nhập đã hết hạn",
                           "Trang đăng nhập này đã được dùng hoặc đã quá hạn.")
    action = form.get("action")
    session = _usable_session(provider, request, auth)
    if action == "deny":
        provider.store.login_pages.pop(transaction_id, None)
        # RFC 6749 §4.1.2.1: the resource owner denied the request.
        raise _error_redirect(provider, request, auth.redirect_uri, AuthorizationError(
            "access_denied", "Người dùng từ chối đăng nhập.", auth.state), status=303)
    chosen: Citizen | dict[str, str]
    if action == "login":
        chosen = provider.config.citizen(form.get("citizen", "")) or {
            "citizen": "Hãy chọn một công dân thử nghiệm."}
    elif action == "continue":
        chosen = session.citizen if session else {
            "citizen": "Phiên VNeID trước đã kết thúc; hãy chọn lại công dân."}
    elif action == "custom":
        chosen = _citizen_from_form(provider, form)
    else:
        return _error_page("Yêu cầu không hợp lệ", "Thao tác không được hỗ trợ.")
    if isinstance(chosen, dict):
        return _login_page(provider, client, auth, transaction_id, session, form, chosen)
    provider.store.login_pages.pop(transaction_id, None)  # one login per page
    if action != "continue" or session is None:  # a fresh authentication: a new auth_time
        session = Session(chosen, auth_time=provider.now(),
                          expires_at=provider.clock() + provider.config.session_ttl_seconds)
    # A new session id at every login, so that a planted cookie gains nothing (session fixation).
    provider.store.end_session(request.cookies.get(SESSION_COOKIE))
    sid = provider.store.add_session(session)
    response = _issue_code(provider, request, auth, session, status=303)
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax", path="/",
                        secure=provider.issuer(request).startswith("https://"),
                        max_age=provider.config.session_ttl_seconds)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """GET or POST /logout (RP-Initiated Logout 1.0 §2): end the sandbox session, then go
    back to post_logout_redirect_uri only if it is registered for the identified client."""
    provider = request.app[PROVIDER]
    params: MultiMapping[str] = (
        request.query if request.method == "GET"
        else MultiDict((k, v) for k, v in (await request.post()).items() if isinstance(v, str)))
    ended = provider.store.end_session(request.cookies.get(SESSION_COOKIE))
    if ended is not None:
        await backchannel_logout(provider, request, ended)
    target, problem = _post_logout_target(provider, request, params)
    if target is not None:
        response: web.StreamResponse = _redirect(
            target, {"state": params.get("state")}, status=302)
    else:
        response = page_response(pages.logged_out_page(problem),
                                 status=400 if problem else 200)
    response.del_cookie(SESSION_COOKIE, path="/")
    if isinstance(response, web.HTTPException):
        raise response
    return response


async def backchannel_logout(provider: Provider, request: web.Request,
                             session: Session) -> None:
    """Back-Channel Logout 1.0 §2.5: a signed logout token (§2.4) to each client of the
    session that registered a back-channel logout URI; a client that fails is not retried
    (a sandbox), but the logout goes on."""
    now = provider.now()
    for client_id in sorted(provider.store.session_clients.pop(session.public_id, set())):
        client = provider.config.client(client_id)
        if client is None or not client.backchannel_logout_uri:
            continue
        token = provider.key.sign({
            "iss": provider.issuer(request), "aud": client_id, "iat": now, "exp": now + 120,
            "jti": new_secret(), "sub": provider.subject(session.citizen),
            "sid": session.public_id, "events": {LOGOUT_EVENT: {}},
        }, typ="logout+jwt")
        try:
            async with ClientSession(timeout=ClientTimeout(total=5)) as http:
                await http.post(client.backchannel_logout_uri, data={"logout_token": token})
        except (ClientError, TimeoutError):
            continue


def _post_logout_target(provider: Provider, request: web.Request,
                        params: MultiMapping[str]) -> tuple[str | None, str]:
    """Where to send the browser after logout, or None and why not (empty if not asked)."""
    uri = params.get("post_logout_redirect_uri")
    if not uri:
        return None, ""
    client_id = params.get("client_id")
    hint = params.get("id_token_hint")
    if hint:
        # §2: an expired ID token is still a good hint, but it must be one this OP signed.
        claims = provider.key.verify(hint)
        if claims is None or claims.get("iss") != provider.issuer(request):
            return None, "id_token_hint không hợp lệ nên không chuyển về ứng dụng."
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id and client_id not in audiences:
            return None, "client_id không khớp với id_token_hint."
        client_id = client_id or str(audiences[0])
    client = provider.config.client(client_id or "")
    # §2: post_logout_redirect_uri needs client_id or id_token_hint to name the client;
    # §3: it must have been registered for that client, or the OP must not redirect to it.
    if client is None or uri not in client.post_logout_redirect_uris:
        return None, "Địa chỉ chuyển hướng sau đăng xuất chưa được đăng ký cho ứng dụng."
    return uri, ""
