"""The demo district's recent past: a few months of matters, so that a newcomer's dashboard and
assessment are not empty, story 7's night-market calls, and the radar's first run over them (called
by `seed_demo`; running it again changes nothing)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.choices import GridLevel
from governance.models import Center, Grid
from intake.choices import Channel
from intake.models import Category
from intake.services import PartyInput, case_register
from review.scale import ScaleError, load, world_for
from review.services.radar import radar_run
from review.services.summary import summaries_refresh

DEMO_DISTRICT = "QZTS"
DEMO_DAYS = 120
DEMO_PREFIX = "QZTS-H-"
NIGHT_MARKET_CALLS = 9
NIGHT_MARKET_CALLERS = (("林秀英", "13905958101"), ("陈志明", "13905958102"), ("黄美华", "13905958103"),
                        ("郑建国", "13905958104"), ("吴丽娟", "13905958105"))


CONSULTATION_TITLE = "调度中心双周研判会商（演示）"


def seed_demo() -> dict[str, int]:
    matters = settings.DEMO_HISTORY_MATTERS
    district = Center.objects.filter(code=DEMO_DISTRICT).first()
    if district is None:
        return {}
    created = {"consultations": _consultation(district, now=timezone.now())}
    if matters <= 0:
        return created
    now = timezone.now()
    try:
        result = load(world=world_for(district), matters=matters, start=now - dt.timedelta(days=DEMO_DAYS),
                      end=now - dt.timedelta(hours=2), now=now, seed=2024, batch_size=matters,
                      code_prefix=DEMO_PREFIX)
    except ScaleError:  # already there (or the district is incomplete): nothing to add
        return {}
    surge = _night_market_calls(district, now=now)
    summaries_refresh(now=now)
    # The radar's first look, as beat's hourly run would: 风险研判 has its signals from the start.
    signals = len(radar_run(center=district, now=now).raised)
    return created | {"history matters": result.matters, "night-market calls (story 7)": surge,
                      "radar signals": signals}


def _consultation(district: Center, *, now: dt.datetime) -> int:
    """A consultation held three days ago through the services: agenda, attendance, minutes and a
    decision whose action item 资规建交局 (`liaison_zgj`) has to report done within a week."""
    from governance.models import Department
    from review.command_choices import ConsultationKind
    from review.models import Consultation
    from review.services.consultation import (
        agenda_add,
        consultation_record,
        consultation_schedule,
        decision_record,
    )

    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["director", "liaison_zgj", "liaison_dyz", "liaison"])}
    zgj = Department.objects.filter(center=district, short_code="ZGJ").first()
    if (zgj is None or len(users) < 4
            or Consultation.objects.filter(center=district, title=CONSULTATION_TITLE).exists()):
        return 0
    held = now - dt.timedelta(days=3)
    director = users["director"]
    meeting = consultation_schedule(
        actor=director, center=district, kind=ConsultationKind.DISPATCH_BIWEEKLY, title=CONSULTATION_TITLE,
        scheduled_at=held, chair=director, invitees=[users["liaison_zgj"], users["liaison_dyz"], users["liaison"]],
        place="区社会治理中心三楼会商室", now=held - dt.timedelta(days=2))
    topic = agenda_add(actor=director, consultation=meeting, title="在建工地欠薪与施工许可联动核查",
                       now=held - dt.timedelta(days=1))
    consultation_record(actor=director, consultation=meeting,
                        attended_user_ids=[u.pk for u in users.values()],
                        minutes="研判近两周劳动争议与在建工地欠薪投诉，明确由资规建交局牵头核查在建项目施工许可与工资保证金。",
                        now=held + dt.timedelta(hours=1))
    decision_record(actor=director, consultation=meeting, agenda_item=topic,
                    text="资规建交局一周内完成在建工地施工许可与工资保证金核查，报调度中心。",
                    due_at=now + dt.timedelta(days=4), owner_department=zgj, now=held + dt.timedelta(hours=1))
    return 1


def _night_market_calls(district: Center, *, now: dt.datetime) -> int:
    """SCENARIOS story 7: over the last five days 阳光社区 (东园镇) called nine times about one night
    market's noise, and nobody linked the calls by hand; the radar finds them."""
    village = Grid.objects.filter(name="阳光社区", level=GridLevel.VILLAGE).first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    units = list(village.children.filter(level=GridLevel.UNIT).order_by("code")) if village else []
    if not units or clerk is None:
        return 0
    complaint = Category.objects.get(code="RX03")
    for i in range(NIGHT_MARKET_CALLS):
        case_register(
            actor=clerk, center=district, channel=Channel.PHONE, category=complaint,
            title="阳光社区夜市噪音扰民",
            description=f"来电反映阳光社区夜市摊位每晚营业到凌晨，音响和叫卖声影响居民休息（夜市 {i % 3 + 1} 号摊位附近）。",
            parties=[PartyInput(name=name, phone=phone)
                     for name, phone in [NIGHT_MARKET_CALLERS[i % len(NIGHT_MARKET_CALLERS)]]],
            address=f"东园镇阳光社区夜市 {i % 3 + 1} 号摊位附近", grid=units[i % len(units)],
            now=now - dt.timedelta(hours=2 + 13 * i),
        )
    return NIGHT_MARKET_CALLS
