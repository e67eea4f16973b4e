from django.contrib import admin
from django.urls import include, path

from duban.api.api import api
from duban.core import views as core_views

admin.site.site_header = "督办平台管理后台"
admin.site.site_title = "督办平台管理后台"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/tokens/", include("duban.api.page_urls")),
    path("imports/<int:pk>/", core_views.import_job, name="import_job"),
    path("accounts/", include("duban.security.urls")),
    path("org/", include("duban.org.urls")),
    path("journal/", include("duban.journal.urls")),
    path("notify/", include("duban.notify.urls")),
    path("timelimits/", include("duban.timelimits.urls")),
    path("clocks/", include("duban.clocks.urls")),
    path("matters/", include("duban.supervision.urls")),
    path("duty/", include("duban.duty.urls")),
    path("meetings/", include("duban.meetings.urls")),
    path("rectification/", include("duban.rectification.urls")),
    path("documents/", include("duban.documents.urls")),
    path("plans/", include("duban.plans.urls")),
    path("assessment/", include("duban.assessment.urls")),
    path("accountability/", include("duban.accountability.urls")),
    path("public/", include("duban.rectification.public_urls")),
    path("portal/", include("duban.portal.urls")),
    path("p/", include("duban.portal.public_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
