"""Builders for zone tests (through the services), and the row the crawlers need."""

from django_scopes import scope

from netbill.core.testing.people import fresh_user

from .. import services


def make_zone(*, by, name, description="", is_active=True):
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.zone_create(
            by=user, name=name, description=description, is_active=is_active
        )
