"""Query budgets: registration at most 9 statements (with the 移送 clock's steps); list pages constant whatever the row count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.filters import BIGRAM_MATCH
from intake.selectors import CaseFilters, case_list
from intake.tests.factories import CaseFactory, PartyFactory, category
from intake.tests.test_services_case import applicant, register

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


@pytest.mark.django_db(transaction=True)
def test_registration_of_a_walk_in_takes_at_most_9_statements(clerk, center, window, django_assert_max_num_queries):
    """Measured outside a test transaction, as in production: 9 statements plus BEGIN and COMMIT."""
    jf10 = category("JF10")
    register(clerk, center, window=window, category=jf10)  # the year's sequence row exists from now on
    with django_assert_max_num_queries(9 + 2) as ctx:
        register(clerk, center, window=window, category=jf10,
                 parties=[applicant(id_number="11010519491231002X", phone="13900000001")])
    assert len(statements(ctx)) <= 9, "\n".join(statements(ctx))


def _list_queries(user, total):
    filters = CaseFilters(category=category("JF").pk, q="欠薪")
    user._role_codes = None  # as in a fresh request
    with CaptureQueriesContext(connection) as ctx:
        page = case_list(actor=user, filters=filters)
    assert len(page.rows) == total
    return len(ctx)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(clerk):
    for _ in range(5):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory())
    few = _list_queries(clerk, 5)
    for _ in range(45):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory())
    many = _list_queries(clerk, 50)
    assert few == many <= 6  # roles, profile, category ids, capped count, rows, applicants


@pytest.mark.postgres
@pytest.mark.django_db
def test_two_character_chinese_search_is_exact_and_served_by_the_pair_index(clerk):
    if connection.vendor != "postgresql":
        pytest.skip("the character-pair index exists on PostgreSQL only")
    hit = CaseFactory(title="夜市噪音扰民", description="每晚十点后仍有噪音。")
    in_description = CaseFactory(title="夜市投诉", description="噪音很大")
    CaseFactory(title="噪声与音乐", description="噪 音 分开出现，不算")  # both characters, never adjacent
    CaseFactory(title="漏水", description="楼上漏水")
    found = {case.pk for case in case_list(actor=clerk, filters=CaseFilters(q="噪音")).rows}
    assert found == {hit.pk, in_description.pk}
    # The planner can use the index: the filter's expression is exactly the indexed one.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM intake_case WHERE {BIGRAM_MATCH}", ["噪音"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "intake_case_search_pairs_gin" in plan, plan




@pytest.mark.postgres
@pytest.mark.django_db
def test_the_pairs_are_every_two_adjacent_characters_lower_cased_whatever_the_text():
    """Migration 0011's column against the pairs made one by one in Python, on awkward text: the
    index finds a two-character term exactly when the text holds it."""
    if connection.vendor != "postgresql":
        pytest.skip("the character-pair function exists on PostgreSQL only")
    texts = ["", "噪", "噪音", "噪音扰民", "夜市噪音扰民 每晚十点后仍有噪音。", "Noise AT Night, 12号楼",
             "第一行\n第二行\r\n\t第三行", "  两端空格  ", "a b,c;d", "😀表情😀符号", "全角ＡＢＣ１２３",
             "引号'\"\\反斜杠%s%%", "分隔\x1f\x1f符", "长" * 5000]
    with connection.cursor() as cursor:
        cursor.execute("SELECT t, array_to_tsvector(intake_pairs(t))::text FROM unnest(%s::text[]) "
                       "WITH ORDINALITY AS u(t, n) ORDER BY n", [texts])
        rows = cursor.fetchall()
        expected = []
        for text in texts:
            lowered = text.lower()
            # A pair holding the separator (U+001F) leaves only its other character.
            pairs = sorted({piece for i in range(len(lowered) - 1) for piece in lowered[i:i + 2].split("\x1f")
                            if piece})
            cursor.execute("SELECT array_to_tsvector(%s::text[])::text", [pairs])
            expected.append((text, cursor.fetchone()[0]))
        cursor.execute("SELECT intake_pairs(NULL)")
        assert cursor.fetchone() == (None,)
    assert rows == expected


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_matter_saved_again_keeps_its_pairs_in_step_with_its_text(clerk):
    if connection.vendor != "postgresql":
        pytest.skip("the character-pair column exists on PostgreSQL only")
    case = CaseFactory(title="漏水", description="楼上漏水")
    case.title, case.description = "噪音", "夜间噪音"
    case.save(update_fields=["title", "description"])
    assert {c.pk for c in case_list(actor=clerk, filters=CaseFilters(q="噪音")).rows} == {case.pk}
    assert not case_list(actor=clerk, filters=CaseFilters(q="漏水")).rows


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("term", ["Ab", "²x", "ǅ1", "ⅷ九", "١٢", "ａＢ"])
def test_any_two_letters_or_digits_search_without_error(clerk, term):
    """Whatever two letters or digits (str.isalnum, any script) reach the pair index, the quoted
    lexeme parses and the search answers."""
    if connection.vendor != "postgresql":
        pytest.skip("the character-pair index exists on PostgreSQL only")
    case = CaseFactory(title=f"含有{term}的标题", description="")
    assert term.isalnum()
    assert case.pk in {c.pk for c in case_list(actor=clerk, filters=CaseFilters(q=term)).rows}
