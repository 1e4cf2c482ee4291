"""The Hub id table (license_db/hf_licenses.toml) against the Hub's own list of ids
(a copy of the documentation page in tests/data/hf/, see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.check_hf_licenses import (
    PageError,
    compare,
    hub_ids,
    main,
    read_source,
    table_ids,
)

PAGE = Path(__file__).resolve().parents[1] / "data" / "hf" / "repositories-licenses.md"


def test_every_id_of_the_hubs_page_is_placed_and_none_is_stale() -> None:
    page = read_source(str(PAGE))
    ids = hub_ids(page)
    # the page's table, as of the copy: its first, a custom and its last two ids
    assert ids[:2] == ["apache-2.0", "mit"]
    assert {"llama3", "gemma", "grok2-community", "openmdw-1.1"} <= set(ids)
    assert ids[-2:] == ["unknown", "other"]
    result = compare(page, table_ids())
    assert result.missing == ()
    assert result.gone == ()


def test_the_script_names_what_to_curate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "hf_licenses.toml"
    table.write_text(
        '[keys]\n"mit" = "mit"\n"retired-id" = "mit"\n[licenseref]\n[unmapped]\n', encoding="utf-8"
    )
    page = tmp_path / "page.md"
    page.write_text(
        "intro\n<!-- region licenses -->\n| Name | Id |\n| --- | --- |\n"
        "| MIT | `mit` |\n| New one | `new-1.0` | <!-- info -->\n| Other | `other` |\n"
        "<!-- endregion -->\n",
        encoding="utf-8",
    )
    assert main([str(page), "--table", str(table)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "missing: `new-1.0` is a Hub id that hf_licenses.toml does not place",
        "gone: `retired-id` is in hf_licenses.toml but no longer on the Hub's page",
    ]
    assert main([str(PAGE)]) == 0
    assert capsys.readouterr().out.startswith("ok: the 83 Hub ids are all placed")


def test_a_page_that_is_not_the_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PageError, match="region licenses"):
        hub_ids("# Licenses\n| MIT | `mit` |\n")
    with pytest.raises(PageError, match="no row"):
        hub_ids("<!-- region licenses -->\nnothing\n<!-- endregion -->")
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(PageError, match="larger than"):
        read_source(str(big))
    assert main([str(tmp_path / "absent.md")]) == 2
