"""The board's department pickers."""

from __future__ import annotations

import pytest

from dispatch.templatetags.dispatch_board import department_options
from governance.tests.factories import DepartmentFactory


@pytest.mark.django_db
def test_options_mark_the_selected_departments_and_escape_names():
    first = DepartmentFactory(name="公安<分局>")
    second = DepartmentFactory(name="资规建交局")
    html = department_options([first, second], [second])
    assert html == (f'<option value="{first.pk}">公安&lt;分局&gt;</option>'
                    f'<option value="{second.pk}" selected>资规建交局</option>')
    assert department_options([first, second], first).count(" selected") == 1
    assert " selected" not in department_options([first, second], None)
