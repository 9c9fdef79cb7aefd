from django.urls import path

from dispatch.views import ack, attendance, mode, notifications, receipts, roster, wartime, window_self, work

app_name = "dispatch"

urlpatterns = [
    path("roster/", roster.roster_calendar, name="roster"),
    path("roster/shifts/", roster.roster_shift_create, name="roster-shift-create"),
    path("roster/shifts/<int:shift_id>/cancel/", roster.roster_shift_cancel, name="roster-shift-cancel"),
    path("roster/swaps/", roster.roster_swap, name="roster-swap"),
    path("attendance/", attendance.attendance_page, name="attendance"),
    path("attendance/screen/", attendance.attendance_screen, name="attendance-screen"),
    path("attendance/sign-in/", attendance.attendance_sign_in, name="attendance-sign-in"),
    path("attendance/sign-out/", attendance.attendance_sign_out, name="attendance-sign-out"),
    path("attendance/confirm/", attendance.attendance_confirm, name="attendance-confirm"),
    path("mode/", mode.mode_page, name="mode"),
    path("mode/wartime/", mode.mode_declare, name="mode-declare"),
    path("mode/normal/", mode.mode_end, name="mode-end"),
    path("wartime/", wartime.wartime_page, name="wartime"),
    path("wartime/<int:pk>/", wartime.wartime_episode, name="wartime-episode"),
    path("wartime/teams/send/", wartime.wartime_team_send, name="wartime-team-send"),
    path("wartime/rota/swap/", wartime.wartime_rota_swap, name="wartime-rota-swap"),
    path("wartime/standby/swap/", wartime.wartime_standby_swap, name="wartime-standby-swap"),
    path("notifications/", notifications.notification_list, name="notifications"),
    # A call-up message's confirmation link (signed, expiring; no login).
    path("ack/<str:token>/", ack.summons_ack, name="summons-ack"),
    # The SMS gateways' delivery receipts (状态报告), authenticated by SMS_RECEIPT_TOKEN.
    path("receipts/sms/<str:gateway>/", receipts.sms_receipts, name="sms-receipts"),
    path("receipts/sms/<str:gateway>/<str:token>/", receipts.sms_receipts, name="sms-receipts-token"),
    path("receipts/voice/<str:gateway>/", receipts.voice_receipts, name="voice-receipts"),
    path("receipts/voice/<str:gateway>/<str:token>/", receipts.voice_receipts, name="voice-receipts-token"),
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
    path("window/cases/<str:code>/self-handle/", window_self.case_self_handle_view, name="case-self-handle"),
    path("work/verification/", work.verification_queue, name="work-verification"),
    path("work/supervised/", work.supervised_list, name="work-supervised"),
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
