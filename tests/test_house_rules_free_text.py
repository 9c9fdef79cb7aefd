"""House rule (issue 11): everything a person types is free text (one field type), codes aside."""

from __future__ import annotations

import ast

import pytest

from tests.sources import APPS, ROOT, parsed, source_files

# --- free text: one field type ------------------------------------------------------------------
# Typed inputs that are codes, not prose: each has its own check (stdnum for ID numbers and credit
# codes, the phone rule, a matter's code or id looked up as the actor, a search term that is only
# matched), so the free-text field does not apply. Anything else a person types is free text.
CODE_INPUTS = {
    "id_number": "身份证号：intake.validators.validate_id_number",
    "credit_code": "统一社会信用代码：validate_credit_code",
    "phone": "电话：validate_phone",
    "case": "事项 id 或编号：按操作人查找",
    "case_code": "事项编号：按操作人查找",
    "other": "此前事项的 id 或编号：按操作人查找",
    "duplicate_of": "所重复事项的 id 或编号：按操作人查找（不参评的重复件）",
    "q": "查询词：只用于匹配，不保存",
    "code": "编码：唯一，按编码查找",
    "initials": "拼音首字母：留空由系统生成",
}


def _project_classes(base: type) -> list[type]:
    """Every subclass of `base` defined in the apps' modules (tests and migrations left out)."""
    import importlib as _importlib  # the test imports the modules it reads; the apps never do

    for path in source_files():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module.endswith("__init__") or module.startswith("governance.settings"):
            continue
        _importlib.import_module(module)
    seen: list[type] = []
    todo = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and ".tests" not in cls.__module__ and cls not in seen:
            seen.append(cls)
    return seen


def _text_fields_not_free(fields: dict, *, form: bool) -> list[str]:
    from django import forms
    from rest_framework import serializers

    from governance.text import FreeTextField, FreeTextSerializerField

    found = []
    for name, field in fields.items():
        if form:
            if isinstance(field, FreeTextField) or type(field) is not forms.CharField:
                continue
            if isinstance(field.widget, forms.HiddenInput):
                continue
        else:
            for child in (getattr(field, "child", None),):
                if child is not None and type(child) is serializers.CharField and not field.read_only:
                    found.append(f"{name}[]")
            if isinstance(field, FreeTextSerializerField) or type(field) is not serializers.CharField:
                continue
            if field.read_only:
                continue
        if name.split("_", 1)[-1] in CODE_INPUTS or name in CODE_INPUTS:
            continue
        found.append(name)
    return found


def _input_serializer_names() -> set[str]:
    """The serializers that read a request: named as an operation's `request=` (directly or per
    content type), given to `governance.api.validated`, or given `data=` to validate (nested ones too)."""
    names: set[str] = set()

    def add(node: ast.AST) -> None:
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Dict):
            for value in node.values:
                add(value)

    for path in source_files():
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "validated" and node.args:
                add(node.args[0])  # governance.api.validated(Serializer, request.data)
            for keyword in node.keywords:
                if keyword.arg == "request":
                    add(keyword.value)
                elif keyword.arg == "data":
                    add(node.func)
    return names


@pytest.mark.django_db
def test_every_text_input_is_free_text():
    """Every text a person types into a form or the API is a `governance.text` field (one rule: no
    control characters, invisible-only is empty, the same limit on page and API), unless it is a
    declared code. Output serializers mark their plain strings read-only."""
    from django import forms
    from rest_framework import serializers

    offenders, checked = [], 0
    for cls in _project_classes(forms.BaseForm):
        fields = getattr(cls, "base_fields", {})
        checked += len(fields)
        offenders += [f"{cls.__module__}.{cls.__name__}.{name}" for name in _text_fields_not_free(fields, form=True)]
    inputs = _input_serializer_names()
    for cls in _project_classes(serializers.BaseSerializer):
        if issubclass(cls, serializers.ListSerializer) or cls.__name__ not in inputs:
            continue
        try:
            fields = cls().fields
        except Exception:  # noqa: BLE001 - a serializer that needs its context is read from its declaration
            fields = getattr(cls, "_declared_fields", {})
        checked += len(fields)
        offenders += [f"{cls.__module__}.{cls.__name__}.{name}" for name in _text_fields_not_free(fields, form=False)]
    assert checked > 100 and len(inputs) > 20
    assert offenders == [], "\n".join(offenders) + "\nuse governance.text.FreeTextField / FreeTextSerializerField (or declare a code)"
