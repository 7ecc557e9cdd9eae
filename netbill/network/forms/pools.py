"""IP & PPPoE Management: pool and PPPoE profile forms, and reading uploaded profile files.

Plain forms (not ModelForms): the services validate addresses and save; a ModelForm
would change the instance before the service sees it. Pool choices come from the
scoped, restricted queryset, so another ISP's pool id is "not a valid choice".
"""

import csv
import io
import zipfile

from django import forms
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from netbill.core.permissions import restrict

from ..choices import IPPoolFamilyChoices as Family
from ..choices import IPPoolKindChoices as Kind
from ..models import IPPool, PPPoEProfile
from ..services.pools import IMPORT_COLUMNS, MAX_IMPORT_ROWS, REQUIRED_COLUMNS

CODE = "ip_pools.manage"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SHEET_ROWS = 20_000


class IPPoolForm(forms.Form):
    """Create or edit a pool. The family is chosen on create and fixed afterwards; the
    protected pool's name and kind are shown but cannot be changed."""

    family = forms.TypedChoiceField(label=_("Family"), choices=Family.choices, coerce=int)
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("Also the pool's name on the router: letters, digits, . - _"),
    )
    subnet = forms.CharField(label=_("Subnet"), max_length=64)
    ranges = forms.CharField(
        label=_("Ranges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Comma-separated, e.g. 10.20.0.10-10.20.3.250. Leave empty to use the whole subnet."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.NORMAL)
    comment = forms.CharField(label=_("Comment"), max_length=255, required=False)

    def __init__(self, *args, user=None, instance: IPPool | None = None, family=None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "family": instance.family,
                "name": instance.name,
                "subnet": instance.subnet,
                "ranges": instance.ranges.replace(",", ", "),
                "kind": instance.kind,
                "comment": instance.comment,
            }
        elif family is not None:
            kwargs["initial"] = {"family": family, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        chosen = instance.family if instance is not None else (family or Family.IPV4)
        self.fields["subnet"].help_text = (
            _("e.g. 2001:db8:100::/48") if chosen == Family.IPV6 else _("e.g. 10.20.0.0/22")
        )
        if instance is not None:
            self.fields["family"].disabled = True
            if instance.is_protected:
                for name in ("name", "kind"):
                    self.fields[name].disabled = True
                self.fields["name"].help_text = _(
                    "A protected pool: RADIUS sends suspended customers to it by name, so it "
                    "cannot be renamed or deleted. Its subnet and ranges may change."
                )

    def changes(self) -> dict:
        """The edited fields, for the update service (family never changes)."""
        return {
            name: self.cleaned_data[name]
            for name in ("name", "subnet", "ranges", "kind", "comment")
            if not self.fields[name].disabled
        }


def _pool_queryset(user, family):
    return restrict(IPPool.objects.filter(family=family), user, CODE).order_by("name")


class PPPoEProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    ipv4_pool = forms.ModelChoiceField(label=_("IPv4 pool"), queryset=IPPool.objects.none())
    ipv6_pool = forms.ModelChoiceField(
        label=_("IPv6 pool"), queryset=IPPool.objects.none(), required=False
    )
    local_address = forms.CharField(
        label=_("Local address"),
        max_length=45,
        required=False,
        help_text=_("The router's end of each PPP link, e.g. 10.20.0.1."),
    )
    dns_servers = forms.CharField(
        label=_("DNS servers"),
        max_length=255,
        required=False,
        help_text=_("Comma-separated, e.g. 8.8.8.8, 1.1.1.1"),
    )
    rate_limit = forms.CharField(
        label=_("Rate limit"),
        max_length=128,
        required=False,
        help_text=_(
            "Mikrotik-Rate-Limit: rx/tx [burst-rate [burst-threshold [burst-time "
            "[priority [min-rate]]]]], e.g. 10M/10M or 5M/5M 6M/6M 4M/4M 16/16 8 2M/2M. "
            "rx is the customer's upload, tx the download."
        ),
    )
    comment = forms.CharField(label=_("Comment"), max_length=255, required=False)

    def __init__(self, *args, user=None, instance: PPPoEProfile | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name,
                "ipv4_pool": instance.ipv4_pool_id,
                "ipv6_pool": instance.ipv6_pool_id,
                "local_address": instance.local_address or "",
                "dns_servers": instance.dns_servers.replace(",", ", "),
                "rate_limit": instance.rate_limit,
                "comment": instance.comment,
            }
        super().__init__(*args, **kwargs)
        self.fields["ipv4_pool"].queryset = _pool_queryset(user, Family.IPV4)
        self.fields["ipv6_pool"].queryset = _pool_queryset(user, Family.IPV6)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


#
# Upload PPP Profiles
#


class PPPoEProfileUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8) or Excel .xlsx with the columns name, ipv4_pool, ipv6_pool, "
            "local_address, dns_servers, rate_limit, comment (first row). Pools are named."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        data = upload.read()
        name = (upload.name or "").lower()
        if name.endswith(".csv"):
            table = _csv_rows(data)
        elif name.endswith(".xlsx"):
            table = _xlsx_rows(data)
        else:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        self.rows = rows_from_table(table)
        return upload


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(_("Save the CSV file as UTF-8 and upload it again.")) from exc
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise forms.ValidationError(_("The CSV file cannot be read: %(e)s") % {"e": exc}) from exc


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes):
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise forms.ValidationError(_("The file is not a readable .xlsx workbook.")) from exc
    try:
        sheet = book.worksheets[0]
        rows, filled = [], 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            cells = [_cell(v) for v in values]
            rows.append(cells)
            filled += any(c.strip() for c in cells)
            # Enough to say "too many" (the header and one row over the limit), or a sheet
            # of endless formatted blank rows: stop reading either way.
            if filled > MAX_IMPORT_ROWS + 1 or number > MAX_SHEET_ROWS:
                break
        return rows
    finally:
        book.close()


def rows_from_table(table: list[list[str]]) -> list[dict]:
    """The first non-empty row names the columns; every non-empty row after it becomes a
    dict with its line number in the file ("line")."""
    lines = [(n, [str(v or "").strip() for v in values]) for n, values in enumerate(table, 1)]
    lines = [(n, cells) for n, cells in lines if any(cells)]
    if not lines:
        raise forms.ValidationError(_("The file is empty."))
    (_header_line, first), body = lines[0], lines[1:]
    header = [h.lower().replace(" ", "_") for h in first]
    unknown = [h for h in header if h and h not in IMPORT_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if unknown or missing or repeated:
        problems = []
        if repeated:
            problems.append(_("repeated columns: %(c)s") % {"c": ", ".join(repeated)})
        if missing:
            problems.append(_("missing columns: %(c)s") % {"c": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown columns: %(c)s") % {"c": ", ".join(unknown)})
        raise forms.ValidationError(
            _("The first row must name the columns (%(expected)s); %(problems)s.")
            % {"expected": ", ".join(IMPORT_COLUMNS), "problems": "; ".join(problems)}
        )
    rows = []
    for number, cells in body:
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        row["line"] = number
        rows.append(row)
    if not rows:
        raise forms.ValidationError(_("The file has a header row but no profiles."))
    if len(rows) > MAX_IMPORT_ROWS:
        raise forms.ValidationError(
            _("At most %(n)s profiles per upload.") % {"n": MAX_IMPORT_ROWS}
        )
    return rows
