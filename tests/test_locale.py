"""The Bengali locale: the compiled catalog is shipped, current, and used by the panel."""

import ast
from pathlib import Path

from django.conf import settings
from django.utils import translation

import netbill

LOCALE_DIR = Path(netbill.__file__).resolve().parent / "locale" / "bn" / "LC_MESSAGES"


def _po_entries(path: Path) -> list[tuple[str, str, set[str]]]:
    """(msgid, msgstr, flags) of each singular entry in a .po file (header left out)."""
    entries, msgid, msgstr, flags, target = [], None, None, set(), None

    def flush():
        if msgid and msgstr is not None:
            entries.append((msgid, msgstr, flags))

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            msgid, msgstr, flags, target = None, None, set(), None
        elif line.startswith("#,"):
            flags = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural") or line.startswith("msgstr["):
            target = "plural"  # plural entries are not checked here
            msgstr = None
        elif line.startswith("msgid "):
            msgid, target = ast.literal_eval(line[6:]), "id"
        elif line.startswith("msgstr "):
            msgstr, target = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if target == "id":
                msgid += ast.literal_eval(line)
            elif target == "str":
                msgstr += ast.literal_eval(line)
    return entries


def test_the_catalog_is_in_the_locale_path_and_bengali_is_offered():
    assert LOCALE_DIR.parent.parent in [Path(p) for p in settings.LOCALE_PATHS]
    assert "bn" in dict(settings.LANGUAGES)
    # Compiled and committed: no gettext tools are needed at run time.
    assert (LOCALE_DIR / "django.mo").is_file()


def test_gettext_answers_in_bengali():
    with translation.override("bn"):
        assert translation.gettext("Dashboard") == "ড্যাশবোর্ড"
        assert translation.gettext("Operators") == "অপারেটর"
        assert translation.gettext("Settings") == "সেটিংস"
        assert translation.gettext("Log out") == "লগ আউট"
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"


def test_the_compiled_catalog_matches_the_po_file():
    """Every translation in django.po is what the shipped django.mo serves (recompile
    with `manage.py compilemessages -l bn` after editing the .po file)."""
    translated = [
        (msgid, msgstr)
        for msgid, msgstr, flags in _po_entries(LOCALE_DIR / "django.po")
        if msgstr and "fuzzy" not in flags
    ]
    assert len(translated) >= 30
    with translation.override("bn"):
        stale = [
            (i, s, translation.gettext(i)) for i, s in translated if translation.gettext(i) != s
        ]
    assert stale == []


def test_every_sidebar_section_is_translated():
    from netbill.core.menu import SECTIONS

    with translation.override("en"):
        english = [str(s) for s in SECTIONS]
    with translation.override("bn"):
        bengali = [str(s) for s in SECTIONS]
    assert [e for e, b in zip(english, bengali, strict=True) if e == b] == []


def test_the_panel_renders_in_bengali_after_choosing_it(client, isp):
    client.force_login(isp.ga)
    assert "Operator List" in client.get("/dashboard/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "bn", "next": "/dashboard/"})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    page = client.get("/dashboard/").content.decode()
    assert '<html lang="bn">' in page
    assert "ড্যাশবোর্ড" in page  # the heading
    assert "অপারেটর তালিকা" in page  # the sidebar: Operators → Operator List
    assert "কোম্পানি সেটিংস" in page  # Settings → Company Settings
    assert "লগ আউট" in page
    assert "Operator List" not in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    assert "Operator List" in client.get("/dashboard/").content.decode()
