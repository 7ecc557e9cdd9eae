"""The built-in customer fields a Group Admin may make mandatory at registration
(Customers → Mandatory Attributes). The name, mobile, operator, connection type and
package are always required, so they are not listed."""

from django.utils.translation import gettext_lazy as _

MANDATORY_ATTRIBUTE_CHOICES = [
    ("email", _("Email")),
    ("address", _("Address")),
    ("nid", _("NID")),
    ("zone", _("Zone")),
    ("mac_address", _("MAC address")),
    ("connection_date", _("Connection date")),
]
MANDATORY_ATTRIBUTE_KEYS = [key for key, _label in MANDATORY_ATTRIBUTE_CHOICES]

MAX_DROPDOWN_CHOICES = 50
