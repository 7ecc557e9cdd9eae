"""The panel shell: local static assets only, a mobile viewport, the sidebar on the page."""

import re
from pathlib import Path

import pytest
from django.conf import settings

NETBILL = Path(__file__).resolve().parents[2]

VENDOR_ASSETS = [
    "/static/vendor/bootstrap/bootstrap.min.css",
    "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
    "/static/vendor/htmx/htmx.min.js",
    "/static/vendor/bootstrap/bootstrap.bundle.min.js",
]


def template_files():
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    dirs += [p for p in NETBILL.glob("*/templates") if p.is_dir()]
    return sorted(f for d in dirs for f in d.rglob("*.html"))


def test_the_templates_are_found():
    names = {f.relative_to(NETBILL).as_posix() for f in template_files()}
    assert {"templates/base.html", "templates/tenancy/company.html"} <= names


def test_no_template_loads_anything_from_the_internet():
    offenders = [
        f"{f.relative_to(NETBILL)}:{n}: {line.strip()}"
        for f in template_files()
        for n, line in enumerate(f.read_text().splitlines(), 1)
        if re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", line, re.IGNORECASE)
    ]
    assert offenders == []


def test_the_vendor_css_loads_its_fonts_locally():
    css = (NETBILL / "static/vendor/bootstrap-icons/bootstrap-icons.min.css").read_text()
    urls = re.findall(r"url\(([^)]*)\)", css)
    assert urls
    assert [u for u in urls if re.match(r"""["']?(https?:)?//""", u)] == []


@pytest.mark.parametrize("path", ["/dashboard/", "/settings/company/", "/operators/"])
def test_pages_reference_local_assets_only(isp, client, path):
    client.force_login(isp.ga)
    html = client.get(path).content.decode()
    for asset in VENDOR_ASSETS:
        assert f'"{asset}"' in html
    external = re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](?:https?:)?//""", html)
    assert external == []


def test_login_page_references_local_assets_only(db, client):
    html = client.get("/login/").content.decode()
    assert re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html) == []
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


@pytest.mark.parametrize("asset", VENDOR_ASSETS)
def test_vendor_assets_are_served_by_the_app(db, client, asset):
    response = client.get(asset)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) > 1000
    expected_type = "text/css" if asset.endswith(".css") else "text/javascript"
    assert response["Content-Type"].startswith(expected_type)


def test_icon_fonts_are_served_by_the_app(db, client):
    response = client.get("/static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"wOF2"


def test_the_panel_has_a_mobile_viewport_and_the_menu(isp, client):
    client.force_login(isp.ga)
    html = client.get("/dashboard/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    sections = re.findall(r'<div class="nb-section">([^<]+)</div>', html)
    assert sections == [
        "Dashboard",
        "Operators",
        "Operators &amp; Managers",
        "Customers",
        "Routers &amp; Packages",
        "IP &amp; PPPoE Management",
        "Bills &amp; Payments",
        "Recharge Cards",
        "Monitoring",
        "Accounting",
        "Settings",
    ]
    assert 'class="nav-link active" href="/dashboard/"' in html
    assert 'class="nb-sidebar flex-shrink-0 "' in html  # the main layout, not the NOC one
