"""Who may read and act on the review pages (the role names say what the set may do)."""

from __future__ import annotations

from governance.roles import Role

MAY_READ_ASSESSMENT = frozenset({Role.LEADER, Role.ADMINISTRATOR, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                                 Role.DUTY_DIRECTOR})
MAY_PUBLISH_ASSESSMENT = frozenset({Role.ADMINISTRATOR})
MAY_READ_DASHBOARD = frozenset({Role.LEADER, Role.ADMINISTRATOR, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                                Role.DUTY_DIRECTOR, Role.DISPATCHER})
MAY_WRITE_REPORT_COMMENTARY = frozenset({Role.DUTY_DIRECTOR, Role.ADMINISTRATOR})
