"""Django admin for Balai staff: users with their district, files and their outcome (read-only)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from orchestration.portal.models import BarisKarantina, Kiriman, Profil

admin.site.site_header = "Portal P3JR NTT — Balai P3KP Nusa Tenggara II"
admin.site.site_title = "Portal P3JR"


class ProfilInline(admin.StackedInline):
    model = Profil
    can_delete = False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PenggunaAdmin(UserAdmin):
    inlines = [ProfilInline]
    list_display = ("username", "is_staff", "is_active", "last_login")


@admin.register(Kiriman)
class KirimanAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kode_kabupaten",
        "nama_berkas",
        "status",
        "baris_dibaca",
        "baris_diterima",
        "baris_karantina",
        "sumber",
        "diunggah_oleh",
        "diterima_pada",
    )
    list_filter = ("status", "kode_kabupaten", "sumber")
    readonly_fields = [f.name for f in Kiriman._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(BarisKarantina)
class BarisKarantinaAdmin(admin.ModelAdmin):
    list_display = ("kiriman", "kode_kabupaten", "sheet", "baris", "alasan", "kolom")
    list_filter = ("kode_kabupaten",)
    readonly_fields = [f.name for f in BarisKarantina._meta.fields]

    def has_add_permission(self, request):
        return False
