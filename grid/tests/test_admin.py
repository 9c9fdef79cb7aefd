from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.models import Grid
from grid.tests.test_importing import SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    User.objects.create_superuser("root", "r@example.cn", "pass-1234")
    client.login(username="root", password="pass-1234")
    return client


def test_admin_upload_imports_and_a_bad_file_shows_every_error(admin_client):
    bad = (SMALL + "350521104209,,village,350521104000,,,\n").encode("gbk")
    page = admin_client.post("/admin/governance/grid/import/", {"file": SimpleUploadedFile("g.csv", bad)})
    assert page.status_code == 200 and "第 7 行：名称为空" in page.content.decode()
    assert not Grid.objects.exists()
    done = admin_client.post("/admin/governance/grid/import/", {"file": SimpleUploadedFile("g.csv", SMALL.encode())})
    assert done.status_code == 302 and Grid.objects.filter(level="unit").count() == 2
    export = admin_client.get("/admin/governance/grid/export/")
    assert export.content.decode("utf-8").lstrip("\ufeff").startswith("code,name,level,parent_code")
    listing = admin_client.get("/admin/governance/grid/?population=out").content.decode()
    assert "上浦村第2网格" in listing and "上浦村第1网格" not in listing
