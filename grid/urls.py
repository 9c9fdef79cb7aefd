from django.urls import path

from grid.views import keypersons, offline, pages, patrols, station, tree

app_name = "grid"

urlpatterns = [
    path("", pages.home, name="home"),
    path("patrols/start/", pages.patrol_start, name="patrol-start"),
    path("patrols/<int:pk>/finish/", pages.patrol_finish, name="patrol-finish"),
    path("patrols/<int:pk>/", patrols.patrol, name="patrol"),
    path("patrols/photos/<int:pk>/", patrols.patrol_photo, name="patrol-photo"),
    path("report/", pages.report, name="report"),
    path("offline/session/", offline.session, name="offline-session"),
    path("grids/<int:grid_pk>/ledger/", pages.ledger, name="ledger"),
    path("items/<int:pk>/", pages.item, name="item"),
    path("tasks/", pages.tasks, name="tasks"),
    path("verify/<int:pk>/", pages.verify, name="verify"),
    path("tree/", tree.tree, name="tree"),
    path("tree/map.json", tree.map_data, name="map-data"),
    path("grids/<int:pk>/", tree.grid_page, name="grid"),
    path("keypersons/", keypersons.ledger, name="keypersons"),
    path("keypersons/export.csv", keypersons.export, name="keypersons-export"),
    path("keypersons/<int:pk>/", keypersons.person, name="keyperson"),
    path("keypersons/<int:pk>/risk/", keypersons.set_risk, name="keyperson-risk"),
    path("keypersons/follow-ups/<int:pk>/done/", keypersons.follow_up_done, name="keyperson-follow-up"),
    path("station/", station.queue, name="station"),
    path("station/<int:pk>/settle/", station.settle, name="station-settle"),
    path("station/<int:pk>/escalate/", station.escalate, name="station-escalate"),
]
