"""The Cà Mau demo: the provincial People's Committee, its office and departments, and one
demo account per built-in role (plus a citizen), through services only. Idempotent."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from govhub.identity.models import (
    Account,
    AccountKind,
    Agency,
    AgencyKind,
    Client,
    Role,
    RoleAssignment,
)
from govhub.identity.organisation.services import agencies
from govhub.identity.people import roles
from govhub.identity.people.services import accounts, grants
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SystemActor

DEMO = SystemActor("govhub demo")

# Electronic identification codes follow Decision 20/2020/QĐ-TTg's format; the values
# are illustrative, not the province's registered codes (verify before deploying).
AGENCIES = [
    ("ubnd", None, AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân tỉnh Cà Mau", "UBND tỉnh",
     "000.00.00.H12"),
    ("vp", "ubnd", AgencyKind.OFFICE, "Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh",
     "000.00.01.H12"),
    ("sokhcn", "ubnd", AgencyKind.DEPARTMENT, "Sở Khoa học và Công nghệ", "Sở KH&CN",
     "000.00.02.H12"),
    ("sonnmt", "ubnd", AgencyKind.DEPARTMENT, "Sở Nông nghiệp và Môi trường", "Sở NN&MT",
     "000.00.03.H12"),
    ("soyte", "ubnd", AgencyKind.DEPARTMENT, "Sở Y tế", "Sở Y tế", "000.00.04.H12"),
    ("sogddt", "ubnd", AgencyKind.DEPARTMENT, "Sở Giáo dục và Đào tạo", "Sở GD&ĐT",
     "000.00.05.H12"),
    ("sovhttdl", "ubnd", AgencyKind.DEPARTMENT, "Sở Văn hóa, Thể thao và Du lịch",
     "Sở VHTT&DL", "000.00.06.H12"),
    ("cds", "sokhcn", AgencyKind.UNIT, "Trung tâm Chuyển đổi số", "TT CĐS", "000.02.01.H12"),
]
# Two neighbouring wards, to show that one commune's administrator cannot see the other's.
COMMUNE_A, COMMUNE_B = "32002", "32014"  # Phường An Xuyên, Phường Lý Văn Lâm

# username, full name, position, agency key (or commune code), role code
ACCOUNTS = [
    ("quantri.nentang", "Nguyễn Văn Quản", "Quản trị nền tảng", "ubnd", roles.PLATFORM_ADMIN),
    ("quantri.sokhcn", "Trần Thị Khoa", "Chuyên viên CNTT", "sokhcn", roles.AGENCY_ADMIN),
    ("quantri.anxuyen", "Lê Văn An", "Công chức Văn phòng", COMMUNE_A, roles.AGENCY_ADMIN),
    ("quantri.lyvanlam", "Phạm Thị Lâm", "Công chức Văn phòng", COMMUNE_B, roles.AGENCY_ADMIN),
    ("lanhdao.ubnd", "Huỳnh Minh Chủ", "Chủ tịch UBND tỉnh", "ubnd", roles.LEADER),
    ("thuky.ubnd", "Võ Thị Thư", "Thư ký Chủ tịch", "vp", roles.SECRETARY),
    ("nhaplich.vp", "Đặng Văn Lịch", "Chuyên viên Văn phòng", "vp", roles.SCHEDULE_EDITOR),
    ("xuly.anxuyen", "Bùi Thị Xử", "Công chức Địa chính", COMMUNE_A, roles.REPORT_HANDLER),
    ("vanhanh.lgsp", "Ngô Văn Hành", "Kỹ sư vận hành LGSP", "cds", roles.INTEGRATION_OPERATOR),
]
CITIZEN = ("congdan.demo", "Trương Thị Dân", "0912345678", COMMUNE_A)

MINIAPP_CLIENT = "Tra cứu thửa đất (ứng dụng con)"
CITIZEN_APP_CLIENT = "Chính quyền số Cà Mau (ứng dụng công dân)"
# Single sign-on clients: the citizen app (public, PKCE) and a mini-app
# (confidential), with the URLs the later issues serve them at.
CLIENTS = [
    {"name": CITIZEN_APP_CLIENT, "agency": "ubnd",
     "client_type": Client.CLIENT_PUBLIC, "allowed_scopes": "openid profile phone commune",
     "redirect_uris": "http://127.0.0.1:8000/app/callback",
     "post_logout_redirect_uris": "http://127.0.0.1:8000/"},
    # The land-parcel web mini-app (govhub_sandbox.miniapp), run by `govhub demo`
    # on :8070. First-party (the province's own department): no consent page, so opening it
    # from the citizen app signs the person in silently (prompt=none, OIDC Core §3.1.2.1).
    # Its back-channel logout URI ends its session when the person signs out of govhub
    # (OpenID Connect Back-Channel Logout 1.0 §2.2).
    {"name": MINIAPP_CLIENT, "agency": "sonnmt",
     "client_type": Client.CLIENT_CONFIDENTIAL, "allowed_scopes": "openid profile commune",
     "redirect_uris": "http://127.0.0.1:8070/callback",
     "post_logout_redirect_uris": "http://127.0.0.1:8070/",
     "backchannel_logout_uri": "http://127.0.0.1:8070/backchannel-logout",
     "skip_authorization": True},
]
# What the seed sets again on a client registered by an earlier demo (a database seeded
# before the mini-app had a back-channel logout endpoint), through identity's services.
KEPT_IN_STEP = ("backchannel_logout_uri", "skip_authorization")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    agency: str


def _password_file() -> Path:
    return Path(settings.GOVHUB_DATA_DIR) / "secrets" / "demo-passwords.json"


def _agencies(province: Agency) -> dict[str, Agency]:
    found: dict[str, Agency] = {}
    for key, parent_key, kind, name, short_name, code in AGENCIES:
        parent = found[parent_key] if parent_key else province
        agency = Agency.objects.filter(electronic_id_code=code).first()
        if agency is None:
            agency = agencies.create_agency(actor=DEMO, parent=parent, kind=kind, name=name,
                                            short_name=short_name, electronic_id_code=code)
        found[key] = agency
    for code in (COMMUNE_A, COMMUNE_B):
        found[code] = Agency.objects.get(admin_unit_code=code)
    return found


def _account(username: str, passwords: dict[str, str], **fields: Any) -> Account:
    account = Account.objects.filter(username=username).first()
    if account is None:
        passwords[username] = secrets.token_urlsafe(12)
        return accounts.create_account(actor=DEMO, username=username,
                                       password=passwords[username], **fields)
    if username not in passwords:  # the password file was lost: issue a new one
        passwords[username] = secrets.token_urlsafe(12)
        accounts.set_account_password(actor=DEMO, account=account, password=passwords[username])
    return account


@dataclass(frozen=True)
class DemoClient:
    name: str
    client_id: str
    client_secret: str | None


def client_secrets_file() -> Path:
    return Path(settings.GOVHUB_DATA_DIR) / "secrets" / "demo-clients.json"


def _keep_in_step(client: Client, spec: dict[str, Any]) -> None:
    changes = {name: spec[name] for name in KEPT_IN_STEP
               if name in spec and getattr(client, name) != spec[name]}
    if changes:
        clients.update_client(actor=DEMO, client=client, **changes)


def _clients(agencies: dict[str, Agency]) -> list[DemoClient]:
    path = client_secrets_file()
    secrets_by_name: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    result = []
    for spec in CLIENTS:
        fields = {k: v for k, v in spec.items() if k != "agency"}
        client = Client.objects.filter(name=spec["name"]).first()
        if client is None:
            client, secret = clients.register_client(
                actor=DEMO, agency=agencies[str(spec["agency"])],
                authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
                **{"skip_authorization": True, **fields})
            if secret:
                secrets_by_name[client.name] = secret
        else:
            _keep_in_step(client, spec)
        if not client.is_public and client.name not in secrets_by_name:
            # The secrets file was lost; only a hash is stored, so issue a new secret.
            secrets_by_name[client.name] = clients.rotate_client_secret(actor=DEMO,
                                                                         client=client)
        result.append(DemoClient(client.name, client.client_id, secrets_by_name.get(client.name)))
    path.write_text(json.dumps(secrets_by_name, indent=2))
    path.chmod(0o600)
    return result


def seed(province: Agency) -> tuple[list[DemoLogin], list[DemoClient]]:
    path = _password_file()
    passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    agencies = _agencies(province)
    logins = []
    for username, full_name, position, agency_key, role_code in ACCOUNTS:
        agency = agencies[agency_key]
        account = _account(username, passwords, full_name=full_name, position=position,
                           agency=agency, kind=AccountKind.OFFICIAL)
        role = Role.objects.get(code=role_code)
        if not RoleAssignment.objects.filter(account=account, role=role, agency=agency).exists():
            grants.grant_role(actor=DEMO, account=account, role=role, agency=agency)
        logins.append(DemoLogin(username, passwords[username], role.name, agency.name))
    username, full_name, phone, commune_code = CITIZEN
    _account(username, passwords, full_name=full_name, phone=phone, kind=AccountKind.CITIZEN,
             commune=agencies[commune_code])
    logins.append(DemoLogin(username, passwords[username], "Công dân", agencies[commune_code].name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return logins, _clients(agencies)
