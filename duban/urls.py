from django.contrib import admin
from django.urls import include, path

from duban.api.api import api
from duban.core import views as core_views

admin.site.site_header = "督办平台管理后台"
admin.site.site_title = "督办平台管理后台"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("duban.security.urls")),
    path("org/", include("duban.org.urls")),
    path("journal/", include("duban.journal.urls")),
    path("notify/", include("duban.notify.urls")),
    path("timelimits/", include("duban.timelimits.urls")),
    path("clocks/", include("duban.clocks.urls")),
    path("matters/", include("duban.supervision.urls")),
    path("duty/", include("duban.duty.urls")),
    path("rectification/", include("duban.rectification.urls")),
    path("public/", include("duban.rectification.public_urls")),
    path("portal/", include("duban.portal.urls")),
    path("p/", include("duban.portal.public_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
