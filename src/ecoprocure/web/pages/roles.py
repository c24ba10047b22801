"""How roles are named on pages (translated where shown)."""

from __future__ import annotations

from ecoprocure.domain.accounts import Role
from ecoprocure.i18n import N_

ROLE_NAMES = {
    Role.ADMIN: N_("administrator"),
    Role.CERTIFICATION_OFFICER: N_("certification officer"),
    Role.PROCUREMENT_ANALYST: N_("procurement analyst"),
}
