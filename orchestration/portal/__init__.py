"""District portal (issue 15): each kabupaten/kota uploads its own files and reads its own results.

Django project and app in one package: `settings` (built from orchestration.settings), `models`
(the portal's own tables: profiles, files and their outcome, quarantined rows), `views` (pages),
`api` (JSON API), `uploads` (checks and atomic write into the landing folder), `runs` (requesting
a run and collecting its outcome from the warehouse), `cli` (`p3jr portal ...`).
"""


def setup_django() -> None:
    """Configure Django from orchestration/portal/settings.py without DJANGO_SETTINGS_MODULE (only
    orchestration.settings touches the environment) and set up the apps. Idempotent."""
    import django
    from django.conf import settings

    if not settings.configured:
        from orchestration.portal import settings as portal_settings

        settings.configure(**{k: getattr(portal_settings, k) for k in dir(portal_settings) if k.isupper()})
    django.setup()
