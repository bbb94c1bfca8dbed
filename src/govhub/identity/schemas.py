from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from govhub.identity.models import AccountKind, AgencyKind, AssuranceLevel


class StrictSchema(Schema):
    # An unknown field is a client mistake worth naming (a typo would otherwise be ignored).
    model_config = ConfigDict(extra="forbid")


class AgencyOut(Schema):
    id: UUID
    parent_id: UUID | None
    kind: AgencyKind
    name: str
    short_name: str
    electronic_id_code: str | None
    admin_unit_code: str | None
    address: str
    phone: str
    email: str
    website: str
    is_active: bool


class AgencyIn(StrictSchema):
    parent_id: UUID | None = None
    kind: AgencyKind
    name: str = Field(min_length=1, max_length=255)
    short_name: str = Field("", max_length=100)
    electronic_id_code: str | None = Field(None, max_length=13)
    admin_unit_code: str | None = Field(None, max_length=10)
    address: str = Field("", max_length=300)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)


class AgencyPatch(StrictSchema):
    parent_id: UUID | None = None
    kind: AgencyKind | None = None
    name: str | None = Field(None, min_length=1, max_length=255)
    short_name: str | None = Field(None, max_length=100)
    electronic_id_code: str | None = Field(None, max_length=13)
    admin_unit_code: str | None = Field(None, max_length=10)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class AccountOut(Schema):
    id: UUID
    username: str
    full_name: str
    kind: AccountKind
    email: str | None
    phone: str | None
    agency_id: UUID | None
    position: str
    commune_id: UUID | None
    assurance_level: AssuranceLevel
    personal_id_last_digits: str = Field(description="only the last 4 digits are ever shown")
    is_active: bool
    date_joined: datetime


class AccountIn(StrictSchema):
    username: str = Field(min_length=1, max_length=150)
    full_name: str = Field(min_length=1, max_length=200)
    kind: AccountKind = AccountKind.OFFICIAL
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=12)
    agency_id: UUID | None = None
    position: str = Field("", max_length=200)
    commune_id: UUID | None = None
    assurance_level: AssuranceLevel = AssuranceLevel.NONE
    personal_id: str | None = Field(None, description="12 digits; stored protected")
    password: str | None = Field(None, min_length=1, max_length=128)


class AccountPatch(StrictSchema):
    username: str | None = Field(None, min_length=1, max_length=150)
    full_name: str | None = Field(None, min_length=1, max_length=200)
    kind: AccountKind | None = None
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=12)
    agency_id: UUID | None = None
    position: str | None = Field(None, max_length=200)
    commune_id: UUID | None = None
    assurance_level: AssuranceLevel | None = None
    personal_id: str | None = None
    is_active: bool | None = None


class RoleOut(Schema):
    code: str
    name: str
    description: str
    permissions: list[str]
    is_global: bool
    requires_second_factor: bool


class RoleAssignmentOut(Schema):
    id: UUID
    account_id: UUID
    role: str = Field(alias="role.code")
    agency_id: UUID
    valid_until: datetime | None


class RoleAssignmentIn(StrictSchema):
    account_id: UUID
    role: str = Field(min_length=1, max_length=64)
    agency_id: UUID
    valid_until: datetime | None = None


class GrantOut(Schema):
    role: str
    agency_id: UUID


class MeOut(Schema):
    id: UUID
    username: str
    full_name: str
    kind: AccountKind
    agency_id: UUID | None
    grants: list[GrantOut]
    permissions: list[str]


class AuditEntryOut(Schema):
    id: UUID
    occurred_at: datetime
    actor_id: UUID | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    agency_id: UUID | None
    before: dict | None
    after: dict | None
    ip_address: str | None
    request_id: str
