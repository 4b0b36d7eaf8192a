"""The portal's own tables: pages read these, never the warehouse (which a run may hold)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

STATUSES = ("menunggu", "diproses", "diterima", "ditahan", "ditolak")
PENDING = ("menunggu", "diproses")


class Profil(models.Model):
    """Which district a user works for; empty for Balai staff (is_staff), who see every district."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profil_portal")
    kode_kabupaten = models.CharField("kode kabupaten/kota", max_length=5, blank=True)

    class Meta:
        verbose_name = "profil portal"
        verbose_name_plural = "profil portal"

    def __str__(self) -> str:
        return f"{self.user.username} ({self.kode_kabupaten or 'Balai'})"


class Kiriman(models.Model):
    """One file of a district: uploaded through the portal or found in its landing folder."""

    kode_kabupaten = models.CharField(max_length=5, db_index=True)
    nama_berkas = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    ukuran_bytes = models.BigIntegerField(default=0)
    sumber = models.CharField(max_length=10, default="portal")  # portal | folder
    diunggah_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="kiriman_portal"
    )
    diterima_pada = models.DateTimeField()
    status = models.CharField(max_length=10, choices=[(s, s) for s in STATUSES], default="menunggu", db_index=True)
    jenis = models.CharField(max_length=30, blank=True)
    baris_dibaca = models.IntegerField(null=True, blank=True)
    baris_diterima = models.IntegerField(null=True, blank=True)
    baris_karantina = models.IntegerField(null=True, blank=True)
    alasan = models.TextField(blank=True)
    masih_di_folder = models.BooleanField(default=True)
    diperbarui_pada = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "kiriman"
        verbose_name_plural = "kiriman"
        ordering = ["-diterima_pada", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kode_kabupaten} {self.status}"


class BarisKarantina(models.Model):
    """A quarantined row of a file and why (no row values: the full row is in the feedback workbook)."""

    kiriman = models.ForeignKey(Kiriman, on_delete=models.CASCADE, related_name="karantina")
    kode_kabupaten = models.CharField(max_length=5, db_index=True)
    sheet = models.CharField(max_length=100, blank=True)
    baris = models.IntegerField(null=True)
    alasan = models.CharField(max_length=255)
    kolom = models.CharField(max_length=255, blank=True)
    pesan = models.TextField(blank=True)

    class Meta:
        verbose_name = "baris karantina"
        verbose_name_plural = "baris karantina"
        ordering = ["kiriman_id", "sheet", "baris", "id"]
