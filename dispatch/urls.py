from django.urls import path

from dispatch.views import mode, notifications, roster, work

app_name = "dispatch"

urlpatterns = [
    path("roster/", roster.roster_calendar, name="roster"),
    path("roster/shifts/", roster.roster_shift_create, name="roster-shift-create"),
    path("roster/shifts/<int:shift_id>/cancel/", roster.roster_shift_cancel, name="roster-shift-cancel"),
    path("roster/swaps/", roster.roster_swap, name="roster-swap"),
    path("mode/", mode.mode_page, name="mode"),
    path("mode/wartime/", mode.mode_declare, name="mode-declare"),
    path("mode/normal/", mode.mode_end, name="mode-end"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read-all/", notifications.notification_read_all, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read/", notifications.notification_read, name="notification-read"
    ),
    path(
        "notifications/<int:notification_id>/open/", notifications.notification_open, name="notification-open"
    ),
    # The board, the department inbox, matters, assignments and summons.
    path("board/", work.board, name="board"),
    path("board/acting/", roster.acting_grant_create, name="acting-grant-create"),
    path("board/acting/<int:pk>/revoke/", roster.acting_grant_revoke, name="acting-grant-revoke"),
    path("work/inbox/", work.inbox, name="work-inbox"),
    path("work/verification/", work.verification_queue, name="work-verification"),
    path("work/cases/<int:pk>/", work.case_work, name="work-case"),
    path("work/cases/<int:pk>/dispatch/", work.case_dispatch, name="work-case-dispatch"),
    path("work/cases/<int:pk>/<slug:action>/", work.case_action, name="work-case-action"),
    path("work/assignments/<int:pk>/", work.assignment_page, name="work-assignment"),
    path("work/assignments/<int:pk>/<slug:action>/", work.assignment_action, name="work-assignment-action"),
    path("work/extensions/<int:pk>/decide/", work.extension_decide, name="work-extension-decide"),
    path("work/summons/new/", work.summons_new, name="work-summons-new"),
    path("work/summons/<int:pk>/", work.summons_page, name="work-summons"),
    path("work/summons/<int:pk>/<slug:action>/", work.summons_action, name="work-summons-action"),
    path("work/summons/departments/<int:pk>/<slug:action>/", work.summons_department_action,
         name="work-summons-department-action"),
]
