from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with our site (``dreamjourney.admin.DreamJourneyAdminSite``)."""

    default_site = "dreamjourney.admin.DreamJourneyAdminSite"
