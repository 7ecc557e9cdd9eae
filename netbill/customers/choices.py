from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomFieldTypeChoices(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    DROPDOWN = "dropdown", _("Dropdown")
