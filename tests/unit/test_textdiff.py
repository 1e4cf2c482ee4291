"""What a license file changes in the text ScanCode matched (licensetier.textdiff),
on ScanCode's own license texts."""

from __future__ import annotations

from licensetier.textdiff import Changes, changes, rule_text

CLAUSE = (
    "10. Field of Use. You may not use the Work to operate any weapons system,\n"
    "and You shall indemnify the Licensor against any claim arising from such use.\n"
)


def apache() -> str:
    found = rule_text("apache-2.0.LICENSE")
    assert found is not None
    return found


def test_rule_text_reads_scancode_data_without_front_matter() -> None:
    text = apache()
    assert text.lstrip().startswith("Apache License")
    assert "license_expression" not in text
    assert "{{" not in (rule_text("apache-2.0_70.RULE") or "{{")
    assert rule_text("../setup.py") is None
    assert rule_text("no-such-rule.RULE") is None


def test_an_added_clause_is_found_with_its_lines() -> None:
    text = apache()
    at = text.index("END OF TERMS AND CONDITIONS")
    lines = (text[:at] + CLAUSE + text[at:]).splitlines()
    first = text[:at].count("\n") + 1
    assert changes(lines, 1, len(lines), text) == Changes(((first, first + 1),), 0)


def test_the_verbatim_text_with_a_copyright_notice_and_a_filled_placeholder_is_unchanged() -> None:
    text = apache().replace("[yyyy] [name of copyright owner]", "2026 Example Corp")
    lines = ["Copyright 2026 Example Corp. All rights reserved.", "", *text.splitlines()]
    found = changes(lines, 1, len(lines), apache())
    assert found is not None
    assert not found


def test_a_clause_left_out_is_counted() -> None:
    text = apache()
    start = text.index("   3. Grant of Patent License.")
    end = text.index("   4. Redistribution.")
    lines = (text[:start] + text[end:]).splitlines()
    found = changes(lines, 1, len(lines), text)
    assert found is not None
    assert found.added == ()
    assert found.removed_words > 100
    assert found


def test_a_paragraph_moved_is_neither_added_nor_left_out() -> None:
    text = apache()
    start = text.index("   8. Limitation of Liability.")
    end = text.index("   9. Accepting Warranty")
    moved = text[start:end]
    rest = text[:start] + text[end:]
    at = rest.index("END OF TERMS AND CONDITIONS")
    lines = (rest[:at] + moved + rest[at:]).splitlines()
    found = changes(lines, 1, len(lines), text)
    assert found is not None
    assert not found, found


def test_only_the_matched_lines_are_compared() -> None:
    text = apache()
    lines = [
        "Preamble: this project adds its own words here, many of them, before the text.",
        *text.splitlines(),
    ]
    found = changes(lines, 2, len(lines), text)
    assert found is not None
    assert not found
