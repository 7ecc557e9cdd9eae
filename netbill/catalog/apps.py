from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "netbill.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from . import (
            menu,  # noqa: F401 (Routers & Packages, Settings)
            subscribers,  # noqa: F401 (package groups follow their pools)
        )
