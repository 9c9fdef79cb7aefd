"""Production static files: whitenoise's manifest build must succeed with every vendored asset."""

from __future__ import annotations

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_builds_the_manifest(tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest
    assert (tmp_path / "vendor" / "bootstrap" / "bootstrap.min.css.gz").exists()


def test_pages_reference_no_cdn(client, django_user_model):
    user = django_user_model.objects.create_user("u", password="p-12345678")
    client.force_login(user)
    for url in ("/", "/accounts/login/", "/org/calendar/"):
        html = client.get(url).content.decode()
        assert "cdn." not in html and "//unpkg" not in html and "googleapis" not in html


def test_openapi_schema_generates_without_warnings(capsys):
    """Every endpoint is in the schema and no choice set gets an accidental name."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert GENERATOR_STATS._warn_cache == {} and GENERATOR_STATS._error_cache == {}
    paths = set(schema["paths"])
    assert any(p.startswith("/api/intake/") for p in paths)
    assert any(p.startswith("/api/dispatch/assignments/") for p in paths)
    assert all(p.startswith("/api/") for p in paths), "every REST endpoint lives under /api/<app>/"
    assert "CaseStatusEnum" in schema["components"]["schemas"]


def test_every_static_file_a_template_names_exists():
    """A `{% static %}` of a file that is gone answers 500 under the manifest storage (DEBUG off)."""
    import re
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles import finders

    named = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]""")
    missing = [
        f"{path.relative_to(settings.BASE_DIR)}: {name}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for name in named.findall(path.read_text(encoding="utf-8"))
        if finders.find(name) is None
    ]
    assert missing == []
