"""Root URLconf: the shell, health, admin, and each app's pages and APIs."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance import views

admin.site.site_header = "社会治理中心 管理后台"
admin.site.site_title = "社会治理中心"
admin.site.index_title = "基础配置"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The words of the pages' scripts (gettext() in static/**/*.js), in the reader's language; a page
    # asks with its language and the catalogue's version (`{% javascript_catalog_src %}`), so a day's
    # caching never serves yesterday's words.
    path("jsi18n/", cache_page(60 * 60 * 24)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="governance/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/", include("governance.urls_pages")),
    path("intake/", include("intake.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("review/", include("review.urls")),
    path("command/", include("command.urls")),
    # The command pages lived under /review/ until the command app moved out of review (issue 26): the
    # links in notifications and bookmarks made before then lead to the same page under /command/.
    re_path(r"^review/(?P<rest>(?:radar|letters|consultations|actions|daily|leader|instructions|urgent|analysis)/.*)$",
            RedirectView.as_view(url="/command/%(rest)s", permanent=True, query_string=True)),
    path("grid/", include("grid.urls")),
    path("", include("grid.urls_root")),  # /sw.js: the grid worker's service worker, scope "/"
    path(settings.ADMIN_URL, admin.site.urls),
    # Every REST endpoint lives under /api/<app>/, described by one schema and one docs page.
    path("api/intake/", include("intake.api.urls")),
    path("api/dispatch/", include("dispatch.api.urls")),
    path("api/grid/", include("grid.api.urls")),
    # The command app's endpoints keep the paths they had when the command work sat inside review.
    path("api/review/", include("command.api.urls")),
    path("open311/v2/", include("intake.open311.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
# Attachments are never served from MEDIA_URL, in development or production: only through
# `intake:attachment`, which checks that the user may see the matter.

# JSON errors under /api/ and /open311/, pages elsewhere (DEBUG off).
handler400 = "governance.views.bad_request"
handler403 = "governance.views.permission_denied"
handler404 = "governance.views.page_not_found"
handler500 = "governance.views.server_error"
