"""The intake REST API's category tree, its schema and the docs page."""

from __future__ import annotations

import json
import re

import pytest

from intake.tests.api_client import API

# --- categories -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_category_tree_with_initials(api):
    tree = api.get(API + "/categories/").json()
    disputes = next(node for node in tree if node["code"] == "JF")
    labour = next(child for child in disputes["children"] if child["code"] == "JF10")
    assert labour["name"] == "劳动争议" and labour["initials"].startswith("ld")


# --- schema and docs ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_includes_intake_paths(client, clerk):
    client.force_login(clerk)  # not a public API: the schema needs a login (issue 24 item 7)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    for path in ["/api/intake/cases/", "/api/intake/cases/{key}/", "/api/intake/cases/{key}/settle/",
                 "/api/intake/cases/{key}/send-to-dispatch/", "/api/intake/cases/{key}/links/",
                 "/api/intake/parties/lookup/", "/api/intake/parties/{party_id}/full-id/",
                 "/api/intake/categories/"]:
        assert path in paths, path
    post = paths["/api/intake/cases/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(post["requestBody"]["content"])
    assert "CaseDetail" in json.dumps(post["responses"]["201"])
    assert "CasePage" in json.dumps(paths["/api/intake/cases/"]["get"]["responses"]["200"])


@pytest.mark.django_db
def test_docs_page_uses_no_cdn(client, clerk):
    client.force_login(clerk)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "external asset in docs"
    assert not re.findall(r"https?://(?!testserver)[\w.-]+", html)
