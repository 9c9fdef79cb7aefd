"""One way to write a page action, for every app.

A page action is a POST: a form (a subclass of `ActionForm`) parses the input, the view fetches and
authorises the object through a selector (404 when missing or not yours: the selector's
`NotFoundError` becomes the 404 page in `governance.middleware.NotFoundMiddleware`),
`perform` calls the one service with `actor`, the object under its keyword and the form's cleaned
data, shows the service's `ApplicationError` as a message, and the view redirects (`next_or` for a
safe `next`). Example::

    ANSWER = Action(AnswerForm, letter_svc.letter_answer, "letter", gettext_lazy("已答复。"))

    @login_required
    @require_POST
    def letter_answer(request, pk):
        letter = sel.letter_get_for_actor(actor=request.user, pk=pk)
        perform(request, ANSWER, letter, center=letter.center)
        return redirect("command:letter", pk=letter.pk)

Every action form carries a one-time key (`once`, an `OnceField`): the page puts a new one in the
form each time it is shown (`{{ form.once }}`, or `{% once_key %}` from the `page_actions` tags in a
form written by hand; a house-rule test checks every template). `perform` (or `call_once`, for a
page that calls its service itself, like the window's registration) records the key and a digest of
the content in the same transaction as the service call; the same form sent again (a double click,
a resent request) finds it and answers with what the first one made, without calling the service
again. A matter, a summons or a letter is made once; a transition is not tried twice.
"""

from __future__ import annotations

import hashlib
import operator
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from governance.errors import ApplicationError
from governance.models import Center, Submission

ONCE = "once"  # the name of a form's one-time key field


def new_key() -> str:
    return uuid.uuid4().hex


class OnceField(forms.CharField):
    """The form's one-time key: a new one each time the form is shown (hidden). Not a service
    argument: `perform` takes it out of the cleaned data."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)  # stored with the content's digest: within Submission.key
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("initial", new_key)
        super().__init__(**kwargs)


class ActionForm(forms.Form):
    """A page action's input. Every form is given the `center` it acts in, the `actor` and the
    `target` it acts on (some need them to narrow a choice or to look an object up as that actor).
    Its cleaned data are the service's keyword arguments: a form whose fields differ from them
    (a code typed in, a pk to look up) turns them into those arguments in its `clean_*()`/`clean()`.
    Every action form has its one-time key (`once`, see the module's docstring); `perform` takes it
    out of the service's arguments."""

    once = OnceField()

    def __init__(self, *args: Any, center: Center | None = None, actor: Any = None, target: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.center = center
        self.actor = actor
        self.target = target


class CenterActionForm(ActionForm):
    """An action on a thing of a center that the URL names besides the center (a month, a shift):
    `target` is that thing, and the service also takes the form's `center`."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["center"] = self.center
        return data


class AlreadyDone(Exception):
    """The form was sent before by the same user: `result` is what the first sending made (True
    when that was not an object, None when the object is gone)."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def _once(request: HttpRequest, key: str, call: Callable[[], Any]) -> Any:
    """`call()` in one transaction with the record of `key`; AlreadyDone when the user used the
    key before, ApplicationError when another user did."""
    try:
        with transaction.atomic():
            submission = Submission.objects.create(key=key, user=request.user)
            result = call()
            if isinstance(result, models.Model) and result.pk is not None:
                submission.result_type = ContentType.objects.get_for_model(result)
                submission.result_pk = result.pk
                submission.save(update_fields=["result_type", "result_pk"])
            return result
    except IntegrityError:
        earlier = Submission.objects.filter(key=key).select_related("result_type").first()
        if earlier is None:
            raise  # not the key: the service's own error
    if earlier.user_id != request.user.pk:
        raise ApplicationError(gettext("这份表单已失效，请刷新页面后重新填写。"), code="form_expired")
    raise AlreadyDone(_earlier_result(earlier))


def _earlier_result(submission: Submission) -> Any:
    """What the first sending made: the object, True when it made none, None when it is gone."""
    if submission.result_type is None:
        return True
    model = submission.result_type.model_class()
    return model._default_manager.filter(pk=submission.result_pk).first() if model else None


def call_once(request: HttpRequest, form: forms.BaseForm, call: Callable[[dict[str, Any]], Any]) -> Any:
    """`call(data)` with the valid form's cleaned data, its one-time key taken out; once per key and
    content.

    Raises AlreadyDone when the user sent this form before (the service is not called again) and
    ApplicationError when the key is another user's. A form without a key is simply called."""
    data = dict(form.cleaned_data)
    once = [name for name, field in form.fields.items() if isinstance(field, OnceField)]
    key = data.pop(once[0], "") if once else ""
    if not key:
        return call(data)
    return _once(request, f"{key}:{_content_digest(request, skip=once[0])}", lambda: call(data))


def _content_digest(request: HttpRequest, *, skip: str) -> str:
    """What the form says, in 16 hex digits. The same key with other content is not the same form
    sent again: a page the browser restored from its history (Back) keeps its old key, and what the
    user then types and sends is new."""
    fields = sorted((name, value) for name, values in request.POST.lists() if name not in (skip, "csrfmiddlewaretoken")
                    for value in values)
    files = sorted((name, upload.name, upload.size) for name, uploads in request.FILES.lists() for upload in uploads)
    return hashlib.sha256(repr((fields, files)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Action:
    """One page action: the form that parses its input and the one service it calls with
    `actor`, the object (under the keyword `target`; none when `target` is empty) and the form's
    cleaned data; `success` is the message shown when the service returns (or makes it from the
    service's result)."""

    form: type[ActionForm]
    service: Callable[..., Any]
    target: str
    success: str | Promise | Callable[[Any], str]
    level: int = messages.SUCCESS  # of the success message (a warning for what should alarm, like wartime)

    def success_message(self, result: Any) -> str | Promise:
        if isinstance(self.success, (str, Promise)):
            return self.success
        return self.success(result)


def show_error(request: HttpRequest, exc: ApplicationError) -> None:
    """The service's refusal as messages: every failed field when it names them (a form's cleaning
    collects them all), else its one message."""
    for message in (exc.extra.get("errors") or {"": exc.message}).values():
        messages.error(request, message)


def say_already_done(request: HttpRequest) -> None:
    messages.info(request, gettext("这份表单已经提交过，没有重复办理。"))


def show_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


def perform(request: HttpRequest, action: Action, obj: Any = None, *, center: Center | None,
            form: ActionForm | None = None) -> Any:
    """Parse, call the service once, say what happened. Returns the service's result (True when it
    returns None), or None when the input or the service said no. Pass `form` to keep the bound
    form (a page that shows it again with its errors)."""
    if form is None:
        form = action.form(request.POST, request.FILES, center=center, actor=request.user, target=obj)
    if not form.is_valid():
        show_form_errors(request, form)
        return None
    kwargs = {action.target: obj} if action.target else {}
    try:
        result = call_once(request, form, lambda data: action.service(actor=request.user, **kwargs, **data))
    except ApplicationError as exc:
        show_error(request, exc)
        return None
    except AlreadyDone as done:
        say_already_done(request)
        return done.result
    messages.add_message(request, action.level, action.success_message(result))
    return result if result is not None else True


@dataclass(frozen=True)
class ActionsOn:
    """The page actions on one kind of object, named in the URL (`.../<pk>/<action>/`): `fetch` is
    the selector `(*, actor, pk)` that finds the object as the actor (NotFoundError when missing or
    not yours), `center` the object's center for the forms."""

    fetch: Callable[..., Any]
    actions: Mapping[str, Action]
    center: Callable[[Any], Center | None] = operator.attrgetter("center")

    def perform(self, request: HttpRequest, pk: int, name: str) -> Any:
        """Fetch the object, perform the named action on it (404 for a name not in the table) and
        return the object."""
        if name not in self.actions:
            raise Http404
        obj = self.fetch(actor=request.user, pk=pk)
        perform(request, self.actions[name], obj, center=self.center(obj))
        return obj


def next_or(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's `next` when it is a page of this site, else to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)
