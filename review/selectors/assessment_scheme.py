"""The year's assessment scheme (考核办法) applied to a department's figures: the rates, the flags
(不作为、慢作为、乱作为) and the score; and dispatch's handling limits of the year, which the scheme
also holds."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dispatch.selectors.limits import HandlingLimits
from governance.models import Center
from review.models import AssessmentScheme
from review.selectors.assessment_figures import FLAGS, RATES


def scheme_for(*, center: Center, year: int) -> AssessmentScheme:
    """The year's scheme, or the example defaults (unsaved) when the administrator set none."""
    return AssessmentScheme.objects.filter(center=center, year=year).first() or AssessmentScheme(
        center=center, year=year)


# The scheme's handling limits are dispatch's rules of the year, not scoring: not in the frozen figures.
HANDLING_LIMIT_FIELDS = frozenset({"decline_window_working_hours", "extension_max_count", "extension_max_working_days",
                                   "revisit_unreachable_attempts"})


def handling_limits_for(*, center: Center, year: int) -> HandlingLimits:
    """The year's 退单时限 and extension limits (dispatch's hook `handling_limits`): from the scheme of
    the center or of the nearest center above it (a town's matters follow the district's scheme unless
    the town set its own); the defaults when none is set."""
    chain: list[int] = []
    current: Center | None = center
    while current is not None and len(chain) < 5:
        chain.append(current.pk)
        current = current.parent
    schemes = {row.center_id: row for row in AssessmentScheme.objects.filter(center_id__in=chain, year=year)}
    scheme = next((schemes[pk] for pk in chain if pk in schemes), None)
    if scheme is None:
        return HandlingLimits()
    return HandlingLimits(decline_window_working_hours=scheme.decline_window_working_hours,
                          extension_max_count=scheme.extension_max_count,
                          extension_max_working_days=scheme.extension_max_working_days,
                          revisit_unreachable_attempts=scheme.revisit_unreachable_attempts)


def scheme_as_dict(scheme: AssessmentScheme) -> dict[str, Any]:
    fields = [f.name for f in AssessmentScheme._meta.fields
              if f.name not in {"id", "center", "year", "updated_at"} | HANDLING_LIMIT_FIELDS]
    return {name: str(getattr(scheme, name)) for name in fields} | {"saved": scheme.pk is not None}


def rate_percent(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return float((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def flags_raised(figures: dict[str, int], scheme: AssessmentScheme) -> list[dict[str, Any]]:
    flags = []
    for key, label, keys, field, rule in FLAGS:
        minimum = getattr(scheme, field)
        count = sum(figures[k] for k in keys)
        if minimum and count >= minimum:
            flags.append({"kind": key, "label": str(label), "rule": str(rule) % {"n": minimum}, "minimum": minimum,
                          "count": count, "figures": {k: figures[k] for k in keys if figures[k]},
                          "deduction": float(Decimal(getattr(scheme, f"deduct_flag_{key}")).quantize(Decimal("0.01")))})
    return flags


def score_of(figures: dict[str, int], rates: dict[str, float | None], scheme: AssessmentScheme,
           flags: list[dict[str, Any]]) -> dict[str, Any]:
    """Weights × rates (a rate under its threshold scores zero), minus the deductions and the points
    each flag costs (the year's 考核办法); never below zero.

    A rate with nothing to measure (no item due to acknowledge, no revisit) is not assessed: its
    subscore is None ("—") and the measured subscores are scaled to the full weight, so a department
    is compared on what was measured. With no rate measured at all there is no score (None) and the
    department is not ranked; its deductions and flags still show."""
    subscores: dict[str, float | None] = {}
    earned, measured_weight, total_weight = Decimal(0), Decimal(0), Decimal(0)
    for key, *_rest in RATES:
        weight = Decimal(getattr(scheme, f"weight_{key}"))
        threshold = Decimal(getattr(scheme, f"threshold_{key}"))
        total_weight += weight
        rate = rates[key]
        if rate is None:
            subscores[key] = None
            continue
        value = Decimal(0) if Decimal(str(rate)) < threshold else weight * Decimal(str(rate)) / 100
        subscores[key] = float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))
        earned += Decimal(str(subscores[key]))
        measured_weight += weight
    deductions = {
        "ack_late": figures["ack_late"] * Decimal(scheme.deduct_ack_late),
        "overdue": figures["overdue"] * Decimal(scheme.deduct_overdue),
        "overdue_days": figures["overdue_days"] * Decimal(scheme.deduct_overdue_day),
        "summons_late": figures["summons_late"] * Decimal(scheme.deduct_summons_late),
        "summons_absent": figures["summons_absent"] * Decimal(scheme.deduct_summons_absent),
        "duty_missed": figures["duty_missed"] * Decimal(scheme.deduct_duty_missed),
        "stationed_missed": figures["stationed_missed"] * Decimal(scheme.deduct_duty_missed),
    } | {f"flag_{flag['kind']}": Decimal(str(flag["deduction"])) for flag in flags}
    if measured_weight:
        total = earned * total_weight / measured_weight - sum(deductions.values(), Decimal(0))
        score: float | None = float(max(total, Decimal(0)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    else:
        score = None
    return {
        "subscores": subscores,
        "measured_weight": float(measured_weight),
        "total_weight": float(total_weight),
        "deductions": {k: float(v.quantize(Decimal("0.01"))) for k, v in deductions.items() if v},
        "score": score,
    }
