"""Calls to the command center and 上级交办 matters, registered by its own staff (the dispatcher, the duty
director) from their page, through the one registration service (`case_register`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_REGISTER_AT_COMMAND, require_role
from governance.selectors import center_for_user
from intake import hooks
from intake.choices import Channel
from intake.models import Case
from intake.services.registration import case_register
from intake.services.registration_input import MatterInput

# What reaches the command center itself: a call to its duty phone, a matter an upper level assigns.
COMMAND_CHANNELS = (Channel.PHONE, Channel.UPPER_ASSIGNMENT)


def case_register_at_command(*, actor: AbstractBaseUser, center: Center, matter: MatterInput,
                             now: dt.datetime | None = None) -> Case:
    """Register a call or an upper-level assignment at the actor's own command center (not through a
    window): the actor is its first receiver. An upper-level assignment goes straight to the dispatch
    queue (`QUEUED_ON_ARRIVAL`); a call stays with the actor until settled or sent on, like a window's.
    The same duty rule as the desk's flow: an off-duty duty director reads, he does not register.
    `matter.external_ref` is the upper level's document number (or the caller's ticket number), unique
    per channel: the channel is recorded as its source. `matter.window` is not used."""
    require_role(actor, MAY_REGISTER_AT_COMMAND, gettext("只有调度员和轮值主任可以在指挥中心登记来电和上级交办事项。"))
    own = center_for_user(user=actor)
    if own is None or own.pk != center.pk:
        raise PermissionDeniedError(
            gettext("只能登记到本人所在的中心（%(own)s）。") % {"own": own.name if own else gettext("未设置")},
            code="not_your_center")
    hooks.duty_flow_check(actor=actor, center=center)
    if matter.channel not in COMMAND_CHANNELS:
        raise ApplicationError(gettext("指挥中心只登记来电和上级交办事项；窗口来访请到受理窗口登记。"),
                               code="invalid_channel", field="channel")
    return case_register(actor=actor, center=center, now=now, matter=replace(
        matter, window=None, external_source=matter.channel if matter.external_ref else ""))
