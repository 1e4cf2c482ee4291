"""Check ``license_db/hf_licenses.toml`` against the Hugging Face Hub's list of license ids.

The Hub documents the ids a repository card may give as ``license:`` in one Markdown
page of its documentation repository (``docs/hub/repositories-licenses.md`` of
``huggingface/hub-docs``), between the comments ``<!-- region licenses -->`` and
``<!-- endregion -->``: a table whose second column holds each id in backquotes.

``python -m licensetier.check_hf_licenses [SOURCE]`` reads that page (SOURCE: a file,
or an ``https://`` address; default: the page on the documentation repository's main
branch), and exits 1 naming every id of the page that the table does not place
(``[keys]``, ``[licenseref]`` or ``[unmapped]``; ``other`` is read from
``license_name:``), and every id of the table that the page no longer lists. Nothing
is written: the table is curated by hand (each id needs a key chosen with care, see
the traps at the top of the file), and this says what to curate.

The tests run it on a copy of the page kept in ``tests/data/hf/``; it reaches the
network only when run by hand on an address.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from licensetier.formats import tomllib
from licensetier.paths import data_directory

DEFAULT_SOURCE = (
    "https://raw.githubusercontent.com/huggingface/hub-docs/main/docs/hub/repositories-licenses.md"
)
#: The page is a few kilobytes; anything far larger is not it.
MAX_PAGE_BYTES = 1024 * 1024
_REGION = re.compile(r"<!--\s*region licenses\s*-->(.*?)<!--\s*endregion\s*-->", re.S)
_ROW_ID = re.compile(r"^\|[^|]*\|\s*`([^`]+)`\s*\|", re.M)
#: Ids a card may give that no table of the file holds, and why.
READ_ELSEWHERE = {"other": "`license: other` is read through `license_name:`/`license_link:`"}


class PageError(Exception):
    """The page is not the Hub's list (no region of licenses, or no id in it)."""


def hub_ids(page: str) -> list[str]:
    """The license ids of the page's licenses region, in page order, lower-cased."""
    region = _REGION.search(page)
    if region is None:
        raise PageError("no `<!-- region licenses -->` ... `<!-- endregion -->` in the page")
    ids = [m.group(1).strip().lower() for m in _ROW_ID.finditer(region.group(1))]
    if not ids:
        raise PageError("the licenses region has no row with an id in backquotes")
    return ids


def table_ids(path: Path | None = None) -> set[str]:
    """Every id ``hf_licenses.toml`` places: its ``[keys]``, ``[licenseref]`` and
    ``[unmapped]`` tables (``[names]`` holds ``license_name`` values, not ids)."""
    path = path or data_directory() / "hf_licenses.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        str(ident).lower()
        for table in ("keys", "licenseref", "unmapped")
        for ident in data.get(table, {})
    }


@dataclass(frozen=True)
class Comparison:
    missing: tuple[str, ...]  # on the Hub's page, placed nowhere in the table
    gone: tuple[str, ...]  # in the table, no longer on the page

    @property
    def ok(self) -> bool:
        return not self.missing and not self.gone


def compare(page: str, table: set[str]) -> Comparison:
    listed = hub_ids(page)
    missing = [i for i in listed if i not in table and i not in READ_ELSEWHERE]
    gone = sorted(table - set(listed))
    return Comparison(tuple(dict.fromkeys(missing)), tuple(gone))


def read_source(source: str) -> str:
    """The page's text, from a file or an ``https://`` address, at most
    :data:`MAX_PAGE_BYTES`."""
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=30) as response:
            data: bytes = response.read(MAX_PAGE_BYTES + 1)
    else:
        with open(source, "rb") as fh:
            data = fh.read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        raise PageError(f"{source}: larger than {MAX_PAGE_BYTES} bytes: not the Hub's page")
    return data.decode("utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m licensetier.check_hf_licenses", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "source", nargs="?", default=DEFAULT_SOURCE, help="a file or an https:// address"
    )
    parser.add_argument("--table", type=Path, help="hf_licenses.toml to check (default: shipped)")
    args = parser.parse_args(argv)
    try:
        page = read_source(args.source)
        result = compare(page, table_ids(args.table))
    except (OSError, PageError, tomllib.TOMLDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for ident in result.missing:
        print(f"missing: `{ident}` is a Hub id that hf_licenses.toml does not place")
    for ident in result.gone:
        print(f"gone: `{ident}` is in hf_licenses.toml but no longer on the Hub's page")
    if result.ok:
        print(f"ok: the {len(set(hub_ids(page)))} Hub ids are all placed")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
