from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RadiusConfig(AppConfig):
    name = "netbill.radius"
    label = "radius"
    verbose_name = _("RADIUS")

    def ready(self):
        from . import subscribers  # noqa: F401 (router.created/updated keep the nas table)
