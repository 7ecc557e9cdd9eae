from django.db import models
from django.utils.translation import gettext_lazy as _


class UserRoleChoices(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    GROUP_ADMIN = "group_admin", _("Group admin")
    OPERATOR = "operator", _("Operator")
    SUB_OPERATOR = "sub_operator", _("Sub-operator")
    MANAGER = "manager", _("Manager")
    NOC = "noc", _("NOC user")
    CARD_DISTRIBUTOR = "card_distributor", _("Card distributor")


class OperatorKindChoices(models.TextChoices):
    ROOT = "root", _("Group admin")
    OPERATOR = "operator", _("Operator")
    SUB_OPERATOR = "sub_operator", _("Sub-operator")
