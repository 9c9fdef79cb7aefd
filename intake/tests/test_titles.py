from intake.titles import first_clause, title_for_push


def test_a_push_title_is_short_and_does_not_repeat_the_description():
    description = "3号楼楼下夜市每晚十点后仍有大功率音响，严重扰民，多次投诉未果。"
    title = title_for_push(category="投诉", place="东园镇夜市", description=description)
    assert title == "东园镇夜市 投诉：3号楼楼下夜市每晚十点后…"
    assert len(title) <= 40 and description not in title


def test_first_clause_stops_at_punctuation():
    assert first_clause("夜市噪音扰民。请处理") == "夜市噪音扰民"
    assert first_clause("") == ""
    assert title_for_push(category="投诉", place="", description="") == "投诉"
