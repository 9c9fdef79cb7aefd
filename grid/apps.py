from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("网格")

    def ready(self) -> None:
        # Imported here: models are loaded only once the app registry is ready.
        from dispatch import hooks as dispatch_hooks
        from dispatch.services import deadline_subject_register
        from governance.demo import register_demo_seeder
        from governance.navigation import BELOW_DISTRICT, register
        from governance.roles import (
            MAY_RUN_STATION,
            MAY_SEE_DISTRICT_MATTERS,
            MAY_SEE_GRID_MATTERS,
            SHOWN_GRID_TASKS,
        )
        from grid.choices import GridEventType
        from grid.demo import seed_demo
        from grid.services.closing import grid_case_close_check
        from grid.services.keypersons import FOLLOW_UP_SUBJECT, keyperson_follow_up_steps_fire
        from grid.services.wartime import grid_wartime_on_mode_switch
        from grid.views.panels import loop_steps_panel
        from intake import hooks as intake_hooks
        from intake.events import event_types_declare

        register(_("网格工作"), "grid:home", MAY_SEE_GRID_MATTERS, order=15)
        register(_("待核查"), "grid:tasks", SHOWN_GRID_TASKS, order=22)
        # The station's queue is a town's or a village's; the district's queue is the dispatch board.
        register(_("站点待办"), "grid:station", MAY_RUN_STATION, order=19, levels=BELOW_DISTRICT)
        register(_("网格"), "grid:tree", MAY_SEE_DISTRICT_MATTERS, order=24)

        event_types_declare(GridEventType)
        # A grid report closes only after its grid worker verified it; every matter shows the seven steps.
        intake_hooks.case_close_check.register(grid_case_close_check)
        intake_hooks.case_panels.register(lambda *, case, user, request=None: [loop_steps_panel(case=case, user=user)])
        # Wartime: micro-grids and reinforcements follow the mode switch.
        dispatch_hooks.mode_switched.register(grid_wartime_on_mode_switch)
        # Key-person follow-up visits: reminders, overdue and escalation on the one deadline engine.
        deadline_subject_register(subject_type=FOLLOW_UP_SUBJECT, handler=keyperson_follow_up_steps_fire)
        register_demo_seeder(seed_demo)
        # Grid workers' access is read from the assignments' dates at query time (no copied grants).
        from governance import hooks as governance_hooks
        from grid.selectors import grids_assigned_on, workers_assigned_on

        governance_hooks.grids_assigned_on.register(grids_assigned_on)
        governance_hooks.workers_assigned_on.register(workers_assigned_on)
        # The worker's home opens with what she came to do: patrol, report, verify.
        from governance.navigation import register_home_panel
        from grid.views.panels import worker_home_panel

        register_home_panel("grid/_home_actions.html", worker_home_panel, MAY_SEE_GRID_MATTERS, order=1, first=True)
