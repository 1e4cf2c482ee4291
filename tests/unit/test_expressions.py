"""The expression module: parse, render, combine, simplify, keys, the SPDX list."""

from __future__ import annotations

import pytest

from licensetier.errors import UnknownLicenseError
from licensetier.expressions import (
    ExpressionTooDeep,
    Leaf,
    Op,
    With,
    combine,
    is_compound,
    keys_in,
    leaves,
    parse,
    render,
    simplify,
    spdx_list_symbol,
)
from licensetier.license_db import LicenseDB
from licensetier.policy import keys_of


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def test_parse_builds_the_tree() -> None:
    node = parse("MIT OR (Apache-2.0 AND GPL-2.0-only WITH Classpath-exception-2.0)")
    assert node == Op(
        "OR",
        (
            Leaf("MIT", True, "MIT"),
            Op(
                "AND",
                (
                    Leaf("Apache-2.0", True, "Apache-2.0"),
                    With(
                        Leaf("GPL-2.0-only", True, "GPL-2.0-only"),
                        Leaf("Classpath-exception-2.0", True, "Classpath-exception-2.0"),
                    ),
                ),
            ),
        ),
    )
    assert [leaf.raw for leaf in leaves(node)] == [
        "MIT",
        "Apache-2.0",
        "GPL-2.0-only",
        "Classpath-exception-2.0",
    ]


def test_parse_resolves_identifiers() -> None:
    known = {"mit": "mit-key"}
    node = parse("mit AND foo", resolve=lambda raw: known.get(raw.lower()))
    assert node == Op("AND", (Leaf("mit-key", True, "mit"), Leaf("foo", False, "foo")))


@pytest.mark.parametrize("text", ["", "   ", "MIT AND", "(MIT"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(UnknownLicenseError):
        parse(text)


def test_parse_refuses_deep_nesting() -> None:
    with pytest.raises(ExpressionTooDeep):
        parse("(" * 100 + "MIT" + ")" * 100)


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("mit", "mit"),
        ("mit and bsd-new", "mit AND bsd-new"),
        (
            "mit AND (gpl-2.0 WITH classpath-exception-2.0)",
            "mit AND gpl-2.0 WITH classpath-exception-2.0",
        ),
        ("(mit OR bsd-new) AND apache-2.0", "(mit OR bsd-new) AND apache-2.0"),
        ("(mit AND bsd-new) AND apache-2.0", "(mit AND bsd-new) AND apache-2.0"),
        ("((mit))", "mit"),
    ],
)
def test_render_parenthesises_operators_only(text: str, rendered: str) -> None:
    assert render(parse(text)) == rendered


@pytest.mark.parametrize(
    ("text", "compound"),
    [
        ("MIT", False),
        ("Apache 2.0", False),  # a name, not an expression
        ("GPL-2.0-only WITH Classpath-exception-2.0", False),
        ("(MIT OR Apache-2.0)", False),  # already grouped
        ("MIT OR Apache-2.0", True),
        ("MIT and Apache-2.0", True),  # the parser reads any case
        ("(MIT) OR (Apache-2.0)", True),
        ("GPL-2.0-or-later", False),
    ],
)
def test_is_compound(text: str, compound: bool) -> None:
    assert is_compound(text) is compound


def test_combine() -> None:
    assert combine([]) is None
    assert combine(["", "  "]) is None
    assert combine(["MIT"]) == "MIT"
    assert combine(["MIT OR Apache-2.0"]) == "MIT OR Apache-2.0"
    assert combine(["MIT", "MIT"]) == "MIT"
    assert combine(["MIT", "MIT"], unique=False) == "MIT AND MIT"
    assert (
        combine(["MIT OR Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", "ISC"])
        == "(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0 AND ISC"
    )
    assert combine(["Apache 2.0", "MIT License"], "OR") == "Apache 2.0 OR MIT License"
    assert combine(["a AND b", "c"], "AND") == "(a AND b) AND c"
    with pytest.raises(ValueError, match="AND or OR"):
        combine(["a", "b"], "WITH")


def test_combine_and_render_follow_one_rule() -> None:
    # what combine writes, render writes the same way once parsed
    parts = ["mit OR bsd-new", "gpl-2.0 WITH classpath-exception-2.0", "(isc AND zlib)", "x11"]
    joined = combine(parts, "AND")
    assert joined is not None
    assert render(parse(joined)) == joined


def test_simplify() -> None:
    assert (
        render(simplify(parse("(mit AND bsd-new) AND (mit AND isc)"))) == "mit AND bsd-new AND isc"
    )
    assert render(simplify(parse("mit OR mit"))) == "mit"
    assert render(simplify(parse("(mit OR isc) AND (mit OR isc)"))) == "mit OR isc"
    node = simplify(parse("MIT OR mit", resolve=str.lower))
    assert render(node) == "mit"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "mit",
        "MIT OR Apache-2.0",
        "gpl-2.0 WITH classpath-exception-2.0 AND (mit OR isc)",
        "mit AND",
        "(" * 80 + "mit" + ")" * 80,
    ],
)
def test_keys_in_matches_the_old_policy_helper(text: str | None) -> None:
    assert keys_in(text) == keys_of(text)


def test_keys_in() -> None:
    assert keys_in("MIT OR GPL-2.0 WITH Classpath-exception-2.0") == {
        "mit",
        "gpl-2.0",
        "classpath-exception-2.0",
    }


def test_the_spdx_list() -> None:
    mit = spdx_list_symbol("mit")
    assert mit is not None
    assert (mit.id, mit.is_exception) == ("MIT", False)
    exception = spdx_list_symbol("classpath-exception-2.0")
    assert exception is not None
    assert exception.is_exception
    assert spdx_list_symbol("no-such-license-1.0") is None


def test_the_database_converts_through_the_module(db: LicenseDB) -> None:
    assert db.spdx_to_keys("(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0") == (
        "(mit OR apache-2.0) AND gpl-2.0 WITH classpath-exception-2.0"
    )
    assert db.keys_to_spdx("mit AND (bsd-new OR isc)") == "MIT AND (BSD-3-Clause OR ISC)"
