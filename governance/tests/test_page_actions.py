"""The one way to write a page action (governance.page_actions), tested on its own."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from governance.errors import ApplicationError
from governance.page_actions import Action, ActionForm, ActionsOn, next_or, perform


class NoteForm(ActionForm):
    note = forms.CharField(label="说明", max_length=10)


def _post(data: dict[str, Any]) -> HttpRequest:
    request = RequestFactory().post("/somewhere/", data)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


def test_perform_calls_the_one_service_with_the_actor_the_target_and_the_cleaned_data():
    calls = []

    def service(**kwargs: Any) -> str:
        calls.append(kwargs)
        return "done"

    request = _post({"note": "ok"})
    assert perform(request, Action(NoteForm, service, "thing", "已记录"), "the thing", center=None) == "done"
    assert calls == [{"actor": request.user, "thing": "the thing", "note": "ok"}]
    assert _said(request) == [("success", "已记录")]


def test_perform_answers_true_when_the_service_returns_nothing_and_may_word_its_message_from_the_result():
    request = _post({"note": "ok"})
    assert perform(request, Action(NoteForm, lambda **kw: None, "", "ok"), center=None) is True
    request = _post({"note": "ok"})
    perform(request, Action(NoteForm, lambda **kw: 7, "", lambda result: f"第 {result} 号"), center=None)
    assert _said(request) == [("success", "第 7 号")]


def test_bad_input_and_a_refusal_are_messages_and_the_service_is_not_called_on_bad_input():
    calls = []
    request = _post({"note": "far too long for ten"})
    assert perform(request, Action(NoteForm, lambda **kw: calls.append(kw), "", "ok"), center=None) is None
    assert calls == []
    said = _said(request)
    assert len(said) == 1 and said[0][0] == "error" and said[0][1].startswith("说明：")  # the field's label

    def refuse(**kwargs: Any) -> None:
        raise ApplicationError("不可以", code="invalid")

    request = _post({"note": "ok"})
    assert perform(request, Action(NoteForm, refuse, "", "ok"), center=None) is None
    assert _said(request) == [("error", "不可以")]


def test_the_form_is_given_center_actor_and_target():
    seen = {}

    class Spy(ActionForm):
        def clean(self) -> dict[str, Any]:
            seen.update(center=self.center, actor=self.actor, target=self.target)
            return super().clean()

    request = _post({})
    perform(request, Action(Spy, lambda **kw: None, "thing", "ok"), "the thing", center="the center")
    assert seen == {"center": "the center", "actor": request.user, "target": "the thing"}


def test_an_action_named_in_the_url_that_does_not_exist_is_a_404_before_anything_is_fetched():
    fetched = []
    actions = ActionsOn(lambda **kw: fetched.append(kw), {"note": Action(NoteForm, lambda **kw: None, "x", "ok")})
    with pytest.raises(Http404):
        actions.perform(_post({"note": "ok"}), 1, "delete")
    assert fetched == []


@pytest.mark.django_db
def test_not_found_is_the_404_page_whatever_the_view(client):
    """A selector's NotFoundError (missing, or not yours) reaching the middleware is the 404 page with
    its message, for every page: no view catches it."""
    from governance.roles import Role
    from governance.tests.factories import UserFactory

    client.force_login(UserFactory(roles=[Role.DISPATCHER]))
    for path in ("/intake/cases/QZTS-2099-999999/", "/dispatch/work/cases/999999/", "/intake/attachments/999999/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "找不到您要的页面或事项" in response.content.decode()  # the site's 404 page
    assert client.get("/api/intake/cases/999999/").json()["error"]["code"] == "not_found"  # the API's own way


@pytest.mark.parametrize(("target", "goes_to"), [
    ("/command/actions/", "/command/actions/"),
    ("https://elsewhere.example/", "/default/"),
    ("//elsewhere.example/", "/default/"),
    ("", "/default/"),
])
def test_next_or_follows_only_a_page_of_this_site(target: str, goes_to: str):
    assert next_or(_post({"next": target}), "/default/").url == goes_to
