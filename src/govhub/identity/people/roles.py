"""The permission catalogue and the built-in roles.

Permissions are code constants so every check is greppable; roles are rows so an
administrator can see them and (later) require a second factor per role. A role granted in
an agency applies to that agency and everything under it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

VIEW_AGENCY = "identity.view_agency"
MANAGE_AGENCY = "identity.manage_agency"
VIEW_ACCOUNT = "identity.view_account"
MANAGE_ACCOUNT = "identity.manage_account"
MANAGE_ROLES = "identity.manage_roles"
VIEW_AUDIT = "kernel.view_audit"
VIEW_INTERNAL_SCHEDULE = "schedules.view_internal"
EDIT_SCHEDULE = "schedules.edit"
PUBLISH_SCHEDULE = "schedules.publish"
HANDLE_REPORT = "feedback.handle"
OPERATE_INTEGRATION = "integration.operate"

PERMISSIONS: dict[str, Promise] = {
    VIEW_AGENCY: _("View agencies"),
    MANAGE_AGENCY: _("Manage agencies"),
    VIEW_ACCOUNT: _("View accounts and their roles"),
    MANAGE_ACCOUNT: _("Manage accounts"),
    MANAGE_ROLES: _("Grant and revoke roles"),
    VIEW_AUDIT: _("View the audit log"),
    VIEW_INTERNAL_SCHEDULE: _("View internal schedule items"),
    EDIT_SCHEDULE: _("Edit work schedules"),
    PUBLISH_SCHEDULE: _("Publish work schedules"),
    HANDLE_REPORT: _("Handle field reports"),
    OPERATE_INTEGRATION: _("Operate the integration hub"),
}


@dataclass(frozen=True)
class BuiltinRole:
    code: str
    name: Promise
    description: Promise
    permissions: frozenset[str]
    is_global: bool = False
    requires_second_factor: bool = False


PLATFORM_ADMIN = "platform_admin"
AGENCY_ADMIN = "agency_admin"
LEADER = "leader"
SECRETARY = "secretary"
SCHEDULE_EDITOR = "schedule_editor"
REPORT_HANDLER = "report_handler"
INTEGRATION_OPERATOR = "integration_operator"

BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole(PLATFORM_ADMIN, _("Platform administrator"),
                _("Runs the whole platform: every agency, account and setting."),
                frozenset(PERMISSIONS), is_global=True, requires_second_factor=True),
    BuiltinRole(AGENCY_ADMIN, _("Agency administrator"),
                _("Manages the accounts, roles and units of an agency and its subtree."),
                frozenset({VIEW_AGENCY, MANAGE_AGENCY, VIEW_ACCOUNT, MANAGE_ACCOUNT,
                           MANAGE_ROLES, VIEW_AUDIT}), requires_second_factor=True),
    BuiltinRole(LEADER, _("Leader"),
                _("An agency leader: follows schedules, including internal items."),
                frozenset({VIEW_AGENCY, VIEW_INTERNAL_SCHEDULE})),
    BuiltinRole(SECRETARY, _("Secretary"),
                _("Keeps a leader's schedule up to date."),
                frozenset({VIEW_AGENCY, VIEW_INTERNAL_SCHEDULE, EDIT_SCHEDULE})),
    BuiltinRole(SCHEDULE_EDITOR, _("Schedule editor"),
                _("Enters and publishes the agency's weekly work schedule."),
                frozenset({VIEW_AGENCY, VIEW_INTERNAL_SCHEDULE, EDIT_SCHEDULE,
                           PUBLISH_SCHEDULE})),
    BuiltinRole(REPORT_HANDLER, _("Report handler"),
                _("Handles citizens' field reports routed to the agency."),
                frozenset({VIEW_AGENCY, HANDLE_REPORT})),
    BuiltinRole(INTEGRATION_OPERATOR, _("Integration operator"),
                _("Operates the integration hub: services, consumers, agreements."),
                frozenset({VIEW_AGENCY, OPERATE_INTEGRATION}), requires_second_factor=True),
)
BUILTIN_BY_CODE = {role.code: role for role in BUILTIN_ROLES}

# Permissions that open the web admin at all.
ADMIN_SITE_PERMISSIONS = frozenset({VIEW_AGENCY, VIEW_ACCOUNT, VIEW_AUDIT})
