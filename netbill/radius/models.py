"""The FreeRADIUS tables (3.2 PostgreSQL schema names), each with the owning tenant.

Python names are readable; `db_table`/`db_column` are what FreeRADIUS's SQL uses, so our
`queries.conf` reads like the stock one. Column types follow the stock schema (text,
inet, bigint, timestamptz). See the package docstring for the rules these tables carry.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel

OP_CHOICES = [
    (op, op) for op in ("=", ":=", "==", "+=", "!=", ">", ">=", "<", "<=", "=~", "!~", "=*", "!*")
]


class _AttributeRow(TenantOwnedModel):
    attribute = models.CharField(_("attribute"), max_length=64, db_column="attribute")
    op = models.CharField(_("op"), max_length=2, choices=OP_CHOICES, db_column="op")
    value = models.CharField(_("value"), max_length=253, db_column="value")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.attribute} {self.op} {self.value}"


class RadiusCheck(_AttributeRow):
    """A check item of one user (Cleartext-Password, Auth-Type := Reject,
    Simultaneous-Use, Expiration): what the request must satisfy."""

    username = models.CharField(_("username"), max_length=64, db_column="username")

    class Meta:
        db_table = "radcheck"
        indexes = [models.Index(fields=["tenant", "username"], name="radcheck_tenant_user")]
        verbose_name = _("RADIUS check")
        verbose_name_plural = _("RADIUS checks")


class RadiusReply(_AttributeRow):
    """A reply item of one user (e.g. Framed-IP-Address for a static customer)."""

    username = models.CharField(_("username"), max_length=64, db_column="username")

    class Meta:
        db_table = "radreply"
        indexes = [models.Index(fields=["tenant", "username"], name="radreply_tenant_user")]
        verbose_name = _("RADIUS reply")
        verbose_name_plural = _("RADIUS replies")


class RadiusGroupCheck(_AttributeRow):
    """A check item of a group: the group's replies apply only when these match."""

    groupname = models.CharField(_("group"), max_length=64, db_column="groupname")

    class Meta:
        db_table = "radgroupcheck"
        indexes = [models.Index(fields=["tenant", "groupname"], name="radgroupcheck_tenant_grp")]
        verbose_name = _("RADIUS group check")
        verbose_name_plural = _("RADIUS group checks")


class RadiusGroupReply(_AttributeRow):
    """A reply item of a group: a package's Mikrotik-Rate-Limit, Framed-Pool,
    Acct-Interim-Interval; the suspended group's walled-garden pool."""

    groupname = models.CharField(_("group"), max_length=64, db_column="groupname")

    class Meta:
        db_table = "radgroupreply"
        indexes = [models.Index(fields=["tenant", "groupname"], name="radgroupreply_tenant_grp")]
        verbose_name = _("RADIUS group reply")
        verbose_name_plural = _("RADIUS group replies")


class RadiusUserGroup(TenantOwnedModel):
    """Which group a user is in: the package group, the FUP group or the suspended group.

    One row per user in practice (the group follows the customer's status); `priority`
    orders several groups, the lowest first.
    """

    username = models.CharField(_("username"), max_length=64, db_column="username")
    groupname = models.CharField(_("group"), max_length=64, db_column="groupname")
    priority = models.IntegerField(_("priority"), default=1, db_column="priority")

    class Meta:
        db_table = "radusergroup"
        indexes = [models.Index(fields=["tenant", "username"], name="radusergroup_tenant_user")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "username", "groupname"], name="radusergroup_unique"
            )
        ]
        verbose_name = _("RADIUS user group")
        verbose_name_plural = _("RADIUS user groups")

    def __str__(self) -> str:
        return f"{self.username} → {self.groupname}"


class RadiusAccounting(TenantOwnedModel):
    """One session as the NAS reported it (Start, Interim-Update, Stop).

    Written by FreeRADIUS only. Octet counters are 64-bit: FreeRADIUS stores
    `(Acct-*-Gigawords << 32) + Acct-*-Octets`. An open session has no stop time; the
    Simultaneous-Use check counts those.
    """

    id = models.BigAutoField(primary_key=True, db_column="radacctid")
    session_id = models.TextField(_("session id"), db_column="acctsessionid")
    unique_id = models.TextField(_("unique id"), unique=True, db_column="acctuniqueid")
    username = models.TextField(_("username"), null=True, blank=True, db_column="username")
    realm = models.TextField(null=True, blank=True, db_column="realm")
    nas_ip_address = models.GenericIPAddressField(_("NAS IP"), db_column="nasipaddress")
    nas_port_id = models.TextField(null=True, blank=True, db_column="nasportid")
    nas_port_type = models.TextField(null=True, blank=True, db_column="nasporttype")
    start_time = models.DateTimeField(_("start"), null=True, db_column="acctstarttime")
    update_time = models.DateTimeField(_("last update"), null=True, db_column="acctupdatetime")
    stop_time = models.DateTimeField(_("stop"), null=True, db_column="acctstoptime")
    interval = models.BigIntegerField(null=True, db_column="acctinterval")
    session_time = models.BigIntegerField(_("duration (s)"), null=True, db_column="acctsessiontime")
    authentic = models.TextField(null=True, blank=True, db_column="acctauthentic")
    connect_info_start = models.TextField(null=True, blank=True, db_column="connectinfo_start")
    connect_info_stop = models.TextField(null=True, blank=True, db_column="connectinfo_stop")
    input_octets = models.BigIntegerField(
        _("upload (bytes)"), null=True, db_column="acctinputoctets"
    )
    output_octets = models.BigIntegerField(
        _("download (bytes)"), null=True, db_column="acctoutputoctets"
    )
    called_station_id = models.TextField(null=True, blank=True, db_column="calledstationid")
    calling_station_id = models.TextField(
        _("caller id"), null=True, blank=True, db_column="callingstationid"
    )
    terminate_cause = models.TextField(null=True, blank=True, db_column="acctterminatecause")
    service_type = models.TextField(null=True, blank=True, db_column="servicetype")
    framed_protocol = models.TextField(null=True, blank=True, db_column="framedprotocol")
    framed_ip_address = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, db_column="framedipaddress"
    )
    framed_ipv6_address = models.GenericIPAddressField(
        null=True, blank=True, db_column="framedipv6address"
    )
    # Prefixes ("2001:db8::/64") are kept as text: Django has no inet-with-mask field.
    framed_ipv6_prefix = models.TextField(null=True, blank=True, db_column="framedipv6prefix")
    framed_interface_id = models.TextField(null=True, blank=True, db_column="framedinterfaceid")
    delegated_ipv6_prefix = models.TextField(null=True, blank=True, db_column="delegatedipv6prefix")
    radius_class = models.TextField(null=True, blank=True, db_column="class")

    class Meta:
        db_table = "radacct"
        indexes = [
            models.Index(fields=["tenant", "username"], name="radacct_tenant_user"),
            models.Index(fields=["session_id"], name="radacct_session"),
            models.Index(
                fields=["tenant", "username"],
                condition=models.Q(stop_time__isnull=True),
                name="radacct_open_sessions",
            ),
        ]
        verbose_name = _("RADIUS session")
        verbose_name_plural = _("RADIUS sessions")

    def __str__(self) -> str:
        return f"{self.username} {self.session_id}"


class RadiusPostAuth(TenantOwnedModel):
    """One authentication outcome (Access-Accept or Access-Reject) for the login log.

    There is deliberately no password column: the stock post-auth query stores the PAP
    password in clear, ours never does.
    """

    id = models.BigAutoField(primary_key=True)
    username = models.TextField(_("username"), db_column="username")
    reply = models.TextField(_("reply"), db_column="reply")
    called_station_id = models.TextField(null=True, blank=True, db_column="calledstationid")
    calling_station_id = models.TextField(
        _("caller id"), null=True, blank=True, db_column="callingstationid"
    )
    auth_date = models.DateTimeField(_("date"), db_column="authdate")
    radius_class = models.TextField(null=True, blank=True, db_column="class")

    class Meta:
        db_table = "radpostauth"
        indexes = [models.Index(fields=["tenant", "username"], name="radpostauth_tenant_user")]
        verbose_name = _("RADIUS login")
        verbose_name_plural = _("RADIUS logins")

    def __str__(self) -> str:
        return f"{self.username} {self.reply}"


class NAS(TenantOwnedModel):
    """A RADIUS client (FreeRADIUS reads this table with `read_clients = yes`).

    Rows are derived from routers (`router.created`/`router.updated`, and
    `manage.py radius_sync_nas`); `nasname` is the router's address and is unique across
    the platform, because FreeRADIUS keeps one client list for every ISP. FreeRADIUS loads
    clients at startup only: restart it after a change.
    """

    name = models.CharField(_("address"), max_length=128, unique=True, db_column="nasname")
    # Unique: our queries find the tenant by the client's shortname ("alpha-r12").
    short_name = models.CharField(
        _("short name"), max_length=64, unique=True, db_column="shortname"
    )
    type = models.CharField(_("type"), max_length=30, default="other", db_column="type")
    ports = models.IntegerField(_("CoA port"), null=True, blank=True, db_column="ports")
    secret = models.CharField(_("secret"), max_length=128, db_column="secret")
    server = models.CharField(max_length=64, null=True, blank=True, db_column="server")
    community = models.CharField(max_length=50, null=True, blank=True, db_column="community")
    description = models.CharField(
        _("description"), max_length=200, blank=True, default="", db_column="description"
    )
    router = models.OneToOneField(
        "network.Router",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="nas",
        verbose_name=_("router"),
    )

    class Meta:
        db_table = "nas"
        verbose_name = _("NAS")
        verbose_name_plural = _("NAS")

    def __str__(self) -> str:
        return self.name


class CoAAttempt(TenantOwnedModel):
    """One CoA-Request or Disconnect-Request we sent to a NAS, and what came back:
    ACK, NAK (with its Error-Cause), a timeout, or an error before sending. A customer
    without a live session gets a row with the outcome "no session", so the profile
    shows that the change had nothing to push."""

    class Kind(models.TextChoices):
        COA = "coa", _("CoA-Request")
        DISCONNECT = "disconnect", _("Disconnect-Request")

    class Outcome(models.TextChoices):
        ACK = "ack", _("ACK")
        NAK = "nak", _("NAK")
        TIMEOUT = "timeout", _("Timeout")
        ERROR = "error", _("Error")
        NO_SESSION = "no_session", _("No live session")

    username = models.CharField(_("username"), max_length=64)
    router = models.ForeignKey(
        "network.Router",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coa_attempts",
        verbose_name=_("router"),
    )
    nas_address = models.CharField(_("NAS"), max_length=128, blank=True)
    session_id = models.CharField(_("session id"), max_length=128, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    error_cause = models.PositiveIntegerField(_("Error-Cause"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=128, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    # The attributes sent (never the shared secret).
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "username", "-created_at"], name="coa_tenant_user"),
        ]
        verbose_name = _("CoA attempt")
        verbose_name_plural = _("CoA attempts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username}: {self.get_outcome_display()}"
