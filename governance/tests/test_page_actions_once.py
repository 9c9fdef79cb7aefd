"""A form with a one-time key is carried out once, however often it is sent (page_actions.OnceField)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import User
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from governance.errors import ApplicationError
from governance.models import Center, Submission
from governance.page_actions import Action, ActionForm, OnceField, perform

pytestmark = pytest.mark.django_db


class NameForm(ActionForm):
    name = forms.CharField()


class Made:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail = False

    def __call__(self, *, actor: Any, name: str) -> Center:
        self.calls.append(name)
        if self.fail:
            raise ApplicationError("不行。")
        return Center.objects.create(code=f"C{len(self.calls)}", name=name, level="district")


def post(user: User, data: dict[str, str]) -> Any:
    request = RequestFactory().post("/", data)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def messages_of(request: Any) -> list[str]:
    return [str(m) for m in request._messages]


def test_a_form_shows_a_new_key_each_time():
    first, second = NameForm()["once"].value(), NameForm()["once"].value()
    assert first and second and first != second and len(first) == 32


def test_sent_twice_the_service_runs_once_and_both_get_its_result():
    user = User.objects.create(username="u1")
    service = Made()
    action = Action(NameForm, service, "", "好。")
    data = {"name": "甲", "once": "a" * 32}
    first = perform(post(user, data), action, center=None)
    second_request = post(user, data)
    second = perform(second_request, action, center=None)
    assert service.calls == ["甲"]
    assert isinstance(first, Center) and second == first
    assert messages_of(second_request) == ["这份表单已经提交过，没有重复办理。"]
    assert Submission.objects.get().result_pk == first.pk


def test_a_refused_form_keeps_no_key_so_it_can_be_sent_again():
    user = User.objects.create(username="u1")
    service = Made()
    service.fail = True
    action = Action(NameForm, service, "", "好。")
    data = {"name": "甲", "once": "b" * 32}
    assert perform(post(user, data), action, center=None) is None
    assert not Submission.objects.exists()
    service.fail = False
    assert isinstance(perform(post(user, data), action, center=None), Center)
    assert service.calls == ["甲", "甲"]


def test_another_users_key_is_refused_and_does_nothing():
    owner, other = User.objects.create(username="u1"), User.objects.create(username="u2")
    service = Made()
    action = Action(NameForm, service, "", "好。")
    data = {"name": "甲", "once": "c" * 32}
    perform(post(owner, data), action, center=None)
    request = post(other, data)
    assert perform(request, action, center=None) is None
    assert messages_of(request) == ["这份表单已失效，请刷新页面后重新填写。"]
    assert service.calls == ["甲"]


def test_without_a_key_every_send_is_carried_out():
    user = User.objects.create(username="u1")
    service = Made()
    action = Action(NameForm, service, "", "好。")
    perform(post(user, {"name": "甲"}), action, center=None)
    perform(post(user, {"name": "甲"}), action, center=None)
    assert service.calls == ["甲", "甲"] and not Submission.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_carry_it_out_once():
    """Two requests with the same key in flight together (a double click reaching two threads): the
    second waits on the first's key, then answers with the first's result."""
    import time

    from django.db import connection

    from governance.tests.concurrency import at_once

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    user = User.objects.create(username="u1")
    service = Made()

    def slow(*, actor: Any, name: str) -> Center:
        time.sleep(0.3)  # the first is still inside its transaction when the second arrives
        return service(actor=actor, name=name)

    action = Action(NameForm, slow, "", "好。")
    data = {"name": "甲", "once": "d" * 32}
    results = at_once(lambda _n: perform(post(user, data), action, center=None), 2)
    assert service.calls == ["甲"]
    assert len(results) == 2 and results[0] == results[1] and isinstance(results[0], Center)
    assert Center.objects.filter(name="甲").count() == 1


def test_keys_older_than_a_week_are_forgotten(time_machine):
    import datetime as dt

    from governance.tasks import submissions_prune

    user = User.objects.create(username="u1")
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    Submission.objects.create(key="old", user=user)
    time_machine.move_to(dt.datetime(2026, 3, 8, 9, 0, tzinfo=dt.UTC), tick=False)
    Submission.objects.create(key="recent", user=user)
    time_machine.move_to(dt.datetime(2026, 3, 9, 9, 1, tzinfo=dt.UTC), tick=False)
    assert submissions_prune() == 1
    assert list(Submission.objects.values_list("key", flat=True)) == ["recent"]


def test_every_action_form_carries_a_key_and_the_tag_writes_a_new_one_each_time():
    from django.template import engines

    from governance.tests.pages import once_key

    class Plain(ActionForm):
        name = forms.CharField()

    assert isinstance(Plain().fields["once"], OnceField)
    page = engines["django"].from_string("{% load page_actions %}<form>{% once_key %}</form><form>{% once_key %}</form>")
    html = page.render({})
    first, second = once_key(html), once_key(html, "</form>")
    assert first != second and html.count('type="hidden"') == 2


def test_sent_again_after_what_it_made_is_gone_it_says_so_and_returns_nothing():
    user = User.objects.create(username="u1")
    action = Action(NameForm, Made(), "", "好。")
    data = {"name": "甲", "once": "e" * 32}
    perform(post(user, data), action, center=None).delete()
    request = post(user, data)
    assert perform(request, action, center=None) is None
    assert messages_of(request) == ["这份表单已经提交过，没有重复办理。"]


def test_the_same_key_with_other_content_is_a_new_form():
    """A page restored by Back keeps its key; what the user types there and sends is carried out."""
    user = User.objects.create(username="u1")
    service = Made()
    action = Action(NameForm, service, "", "好。")
    perform(post(user, {"name": "甲", "once": "f" * 32}), action, center=None)
    perform(post(user, {"name": "乙", "once": "f" * 32}), action, center=None)
    perform(post(user, {"name": "乙", "once": "f" * 32}), action, center=None)
    assert service.calls == ["甲", "乙"]


def test_a_key_too_long_to_keep_is_refused_as_input():
    user = User.objects.create(username="u1")
    service = Made()
    request = post(user, {"name": "甲", "once": "g" * 41})
    assert perform(request, Action(NameForm, service, "", "好。"), center=None) is None
    assert service.calls == [] and len(messages_of(request)) == 1
