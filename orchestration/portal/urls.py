from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from orchestration.portal import api, views


class KodeConverter:
    regex = r"53\.\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(KodeConverter, "kode")

portal = (
    [
        path("", views.beranda, name="beranda"),
        path(
            "masuk/",
            auth_views.LoginView.as_view(template_name="portal/masuk.html", redirect_authenticated_user=True),
            name="masuk",
        ),
        path("keluar/", auth_views.LogoutView.as_view(), name="keluar"),
        path("unggah/", views.unggah_saya, name="unggah_saya"),
        path("status/", views.status_saya, name="status_saya"),
        path("umpan-balik/", views.umpan_balik_saya, name="umpan_balik_saya"),
        path("peringkat/", views.peringkat, name="peringkat"),
        path("kabupaten/<kode:kode>/unggah/", views.unggah, name="unggah"),
        path("kabupaten/<kode:kode>/status/", views.status, name="status"),
        path("kabupaten/<kode:kode>/umpan-balik/", views.umpan_balik, name="umpan_balik"),
        path("kabupaten/<kode:kode>/umpan-balik/unduh/", views.unduh_umpan_balik, name="unduh_umpan_balik"),
    ],
    "portal",
)

api_v1 = (
    [
        path("token", api.token, name="token"),
        path("kiriman", api.kiriman, name="kiriman"),
        path("kiriman/<int:pk>", api.kiriman_detail, name="kiriman_detail"),
        path("kabupaten/<kode:kode>/umpan-balik", api.umpan_balik, name="umpan_balik"),
        path("peringkat", api.peringkat, name="peringkat"),
    ],
    "api",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include(portal)),
]
