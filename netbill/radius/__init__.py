"""RADIUS: the FreeRADIUS tables in our database, the NAS list, and our FreeRADIUS config.

Decisions, made once for the whole platform (DESIGN.md §4, STYLE.md):

- **Usernames are unique per tenant, not platform-wide.** Two ISPs may both have a
  customer "rahim". Every query in our `queries.conf` (deploy/freeradius/) therefore finds
  the tenant from the NAS that sent the request: `tenant_id = (SELECT tenant_id FROM nas
  WHERE shortname = '%{client:shortname}')`. `nas.shortname` is unique on the platform
  ("<tenant-slug>-r<router id>"); unlike the packet's source address it also works when
  `nasname` is a host name or a CIDR range. A customer of one ISP can never log in
  through another ISP's router, and an unknown NAS gets no answer at all.
- **A NAS address is one platform-wide namespace** (FreeRADIUS has one client list): the
  `nas` row of a router is keyed by `nasname`, unique across tenants. A second ISP cannot
  register a router with an address another ISP's router already uses.
- **Group names carry the tenant slug** ("dhaka-fiber/pkg-12"), as OpenWISP RADIUS does,
  so a group can never be shared by accident; the queries filter by tenant as well.
- **A disabled user is rejected by `Auth-Type := Reject` in radcheck**: the user keeps its
  rows (so enabling it again is one delete), and the rejection is explicit in the table.
- **Post-auth logging never stores passwords**: `radpostauth` has no `pass` column.
- **Simultaneous-Use** is counted from open `radacct` rows of the user in the NAS's
  tenant (`simul_count_query`); the NAS type is "other", so checkrad never runs.
- **64-bit counters**: the octet columns hold `(Gigawords << 32) + Octets` (as the stock
  3.2 PostgreSQL schema does); there are no separate gigawords columns.

The tables keep FreeRADIUS's `db_table`/`db_column` names with readable Python names, and
each row carries `tenant_id` (TenantOwnedModel). Writes go through `services.py`.
"""
