"""Every way a Python index answers, and versions chosen for ranges, against a real HTTP
server on 127.0.0.1 that serves real files and answers (or ignores) range requests."""

from __future__ import annotations

import ensurepip
import io
import time
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from licensetier.cache import DetectionCache
from licensetier.deps import online
from licensetier.deps.base import Ecosystem
from licensetier.deps.online import Answer, Choice, OnlineLookup, Registries, _RangeFile
from tests.acceptance.registry_server import (
    Raw,
    RegistryServer,
    entry,
    make_sdist,
    make_wheel,
    pkg_info,
    simple_page,
)


@pytest.fixture(scope="module")
def real_wheel() -> tuple[str, bytes, str]:
    """A wheel made by real tools: pip's own, as CPython bundles it (filename, bytes,
    the License-Expression or License its METADATA states)."""
    bundled = Path(ensurepip.__file__).parent / "_bundled"
    wheels = sorted(bundled.glob("pip-*-py3-none-any.whl")) if bundled.is_dir() else []
    if not wheels:  # a Python without ensurepip's wheels: one written as a backend would
        data = make_wheel("pip", "99.0", "License: MIT", padding=300_000)
        return "pip-99.0-py3-none-any.whl", data, "MIT"
    data = wheels[-1].read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        member = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        headers = HeaderParser().parsestr(wheel.read(member).decode())
    stated = headers.get("License-Expression") or headers.get("License")
    assert stated
    return wheels[-1].name, data, stated.strip()


def ask(url: str, name: str, version: str, cache: DetectionCache | None = None) -> Answer:
    lookup = OnlineLookup(Registries(url + "/simple", None, None), cache=cache)
    return lookup.lookup_many([(Ecosystem.PYPI, name, version)])[(Ecosystem.PYPI, name, version)]


# -- (a) an unadvertised .metadata file ------------------------------------------------------


def test_unadvertised_metadata_file_is_asked_for() -> None:
    routes = {
        "/simple/demo/": simple_page("demo", entry("demo-1.0-py3-none-any.whl")),
        "/files/demo-1.0-py3-none-any.whl.metadata": Raw(
            pkg_info("demo", "1.0", "License-Expression: Apache-2.0"), "binary/octet-stream"
        ),
    }
    with RegistryServer(routes) as server:
        answer = ask(server.url, "demo", "1.0")
        assert answer == Answer(
            "Apache-2.0",
            "License-Expression",
            server.url + "/files/demo-1.0-py3-none-any.whl.metadata",
        )
        # no JSON API (404), the page, its .metadata: the wheel itself is not fetched
        assert server.requests == [
            "/pypi/demo/1.0/json",
            "/simple/demo/",
            "/files/demo-1.0-py3-none-any.whl.metadata",
        ]


# -- (b) a wheel's METADATA through range requests ------------------------------------------


def test_wheel_metadata_read_through_range_requests(real_wheel: tuple[str, bytes, str]) -> None:
    filename, data, stated = real_wheel
    name, version = filename.split("-")[:2]
    routes = {
        f"/simple/{name}/": simple_page(name, entry(filename)),
        f"/files/{filename}": Raw(data),
    }
    with RegistryServer(routes) as server:
        answer = ask(server.url, name, version)
        assert answer.license == stated
        assert answer.url == (
            f"{server.url}/files/{filename} ({name}-{version}.dist-info/METADATA)"
        )
        fetched = [s for s in server.seen if s.path == f"/files/{filename}"]
        # the zip's end, then the METADATA member: a small part of the wheel, by ranges
        assert fetched[0].range == f"bytes=-{online.WHEEL_TAIL_BYTES}"
        assert all(s.range and s.range.startswith("bytes=") for s in fetched)
        assert 1 <= len(fetched) <= 4  # pip's .dist-info is at the end: one may do
        assert sum(s.sent for s in fetched) < min(len(data) // 4, 300_000)


def test_a_metadata_member_far_from_the_end_is_fetched_alone() -> None:
    data = make_wheel("front", "3.1", "License-Expression: MPL-2.0", 1_500_000, first=True)
    routes = {
        "/simple/front/": simple_page("front", entry("front-3.1-cp311-cp311-linux_x86_64.whl")),
        "/files/front-3.1-cp311-cp311-linux_x86_64.whl": Raw(data),
    }
    with RegistryServer(routes) as server:
        assert ask(server.url, "front", "3.1").license == "MPL-2.0"
        fetched = [s for s in server.seen if s.path.endswith(".whl")]
        assert fetched[0].range == f"bytes=-{online.WHEEL_TAIL_BYTES}"
        assert fetched[1].range == f"bytes=0-{_RangeFile.CHUNK - 1}"  # the member's header
        assert len(fetched) == 2
        assert sum(s.sent for s in fetched) <= 2 * _RangeFile.CHUNK < len(data) // 10


def test_a_server_ignoring_ranges_is_read_only_up_to_a_bound() -> None:
    small = make_wheel("tiny", "1.0", "License: BSD-3-Clause")
    big = make_wheel("huge", "1.0", "License: MIT", padding=online.WHEEL_WHOLE_BYTES + 10_000)
    routes = {
        "/simple/tiny/": simple_page("tiny", entry("tiny-1.0-py3-none-any.whl")),
        "/files/tiny-1.0-py3-none-any.whl": Raw(small, ranges=False),
        "/simple/huge/": simple_page(
            "huge", entry("huge-1.0-py3-none-any.whl"), entry("huge-1.0.tar.gz")
        ),
        "/files/huge-1.0-py3-none-any.whl": Raw(big, ranges=False),
        "/files/huge-1.0.tar.gz": Raw(make_sdist("huge", "1.0", "License: MIT")),
    }
    with RegistryServer(routes) as server:
        # a small wheel whole (the server answered 200 to the range request)
        assert ask(server.url, "tiny", "1.0").license == "BSD-3-Clause"
        # a big one is not downloaded: its sdist answers
        answer = ask(server.url, "huge", "1.0")
        assert answer.license == "MIT"
        assert answer.url == f"{server.url}/files/huge-1.0.tar.gz (huge-1.0/PKG-INFO)"
        assert server.requests[-4:] == [
            "/files/huge-1.0-py3-none-any.whl.metadata",
            "/files/huge-1.0-py3-none-any.whl",
            "/files/huge-1.0.tar.gz.metadata",
            "/files/huge-1.0.tar.gz",
        ]
        # without an sdist: the reason names the bound
        del server.routes["/files/huge-1.0.tar.gz"]
        failed = ask(server.url, "huge", "1.0")
        assert failed.license is None
        assert (
            f"huge-1.0-py3-none-any.whl wheel: the server ignores range requests and the wheel "
            f"of {len(big)} bytes is larger than {online.WHEEL_WHOLE_BYTES} bytes; "
            "not downloaded" in (failed.error or "")
        )


# -- (c) an sdist's PKG-INFO -----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_sdist_pkg_info_when_there_is_no_wheel(suffix: str) -> None:
    filename = f"Old.Thing-1.4{suffix}"
    routes = {
        "/simple/old-thing/": simple_page("old-thing", entry(filename)),
        f"/files/{filename}": Raw(make_sdist("Old.Thing", "1.4", "License: BSD-2-Clause", suffix)),
    }
    with RegistryServer(routes) as server:
        answer = ask(server.url, "old.thing", "1.4.0")
        assert (answer.license, answer.field) == ("BSD-2-Clause", "License")
        assert answer.url == f"{server.url}/files/{filename} (Old.Thing-1.4/PKG-INFO)"


def test_a_large_sdist_is_not_downloaded_and_the_reason_says_so(
    cache: DetectionCache,
) -> None:
    routes = {
        "/simple/bulky/": simple_page("bulky", entry("bulky-2.0.tar.gz")),
        "/files/bulky-2.0.tar.gz": Raw(b"\0" * (online.SDIST_MAX_BYTES + 1)),
    }
    with RegistryServer(routes) as server:
        answer = ask(server.url, "bulky", "2.0", cache)
        assert answer.error == (
            "no core metadata found (bulky-2.0.tar.gz .metadata: HTTP 404: not found; "
            f"bulky-2.0.tar.gz sdist: the sdist of {online.SDIST_MAX_BYTES + 1} bytes is "
            f"larger than the {online.SDIST_MAX_BYTES}-byte bound for reading its PKG-INFO; "
            "not downloaded)"
        )
        asked = len(server.requests)
        again = ask(server.url, "bulky", "2.0", cache)  # definitive: cached, as a failure
        assert again.cached
        assert "[a failure cached by a lookup at " in (again.error or "")
        assert len(server.requests) == asked


# -- failures: transient ones are asked again --------------------------------------------------


def test_a_server_error_on_a_file_is_not_cached(cache: DetectionCache) -> None:
    routes = {
        "/simple/flaky/": simple_page("flaky", entry("flaky-1.0-py3-none-any.whl")),
        "/files/flaky-1.0-py3-none-any.whl": Raw(b"busy", "text/plain", status=503),
    }
    with RegistryServer(routes) as server:
        first = ask(server.url, "flaky", "1.0", cache)
        assert "flaky-1.0-py3-none-any.whl wheel: server error (HTTP 503)" in (first.error or "")
        server.routes["/files/flaky-1.0-py3-none-any.whl"] = Raw(
            make_wheel("flaky", "1.0", "License-Expression: MIT")
        )
        second = ask(server.url, "flaky", "1.0", cache)
        assert (second.license, second.cached) == ("MIT", False)
        third = ask(server.url, "flaky", "1.0", cache)
        assert (third.license, third.cached, third.error) == ("MIT", True, None)


# -- versions chosen for ranges --------------------------------------------------------------


def choose(lookup: OnlineLookup, ecosystem: Ecosystem, name: str, spec: str) -> Choice:
    return lookup.choose_many([(ecosystem, name, spec)])[(ecosystem, name, spec)]


def test_python_ranges_choose_the_highest_accepted_release() -> None:
    files = [
        entry("demo-1.0.tar.gz"),
        entry("demo-1.5.0-py3-none-any.whl"),
        entry("demo-1.5.0.tar.gz"),
        entry("demo-1.6-py3-none-any.whl", yanked="broken"),
        entry("demo-2.0rc1-py3-none-any.whl"),
        entry("other_thing-9.0-py3-none-any.whl"),
    ]
    with RegistryServer({"/simple/demo/": simple_page("demo", *files)}) as server:
        lookup = OnlineLookup(Registries(server.url + "/simple", None, None))
        page = f"{server.url}/simple/demo/"
        assert choose(lookup, Ecosystem.PYPI, "Demo", ">=1.0,<3") == Choice("1.5.0", page)
        assert choose(lookup, Ecosystem.PYPI, "demo", "").version == "1.5.0"
        assert choose(lookup, Ecosystem.PYPI, "demo", "==1.6").version == "1.6"  # pinned
        assert choose(lookup, Ecosystem.PYPI, "demo", ">=2.0rc1").version == "2.0rc1"
        assert choose(lookup, Ecosystem.PYPI, "demo", "~=1.0.0").version == "1.0"
        missing = choose(lookup, Ecosystem.PYPI, "demo", ">=3")
        assert missing.version is None
        assert missing.error == (
            "none of the 4 versions on the index satisfies >=3 (pre-releases and yanked "
            "files left out unless asked for)"
        )
        assert server.requests == ["/simple/demo/"]  # one page for every range


NPM_DOC = {
    "name": "left-pad",
    "dist-tags": {"latest": "1.2.0", "next": "2.0.0-beta.1"},
    "versions": {
        "1.0.0": {"name": "left-pad", "version": "1.0.0", "license": "WTFPL"},
        "1.2.0": {"name": "left-pad", "version": "1.2.0", "license": "MIT"},
        "1.3.0": {"name": "left-pad", "version": "1.3.0", "license": {"type": "ISC"}},
        "2.0.0-beta.1": {"name": "left-pad", "version": "2.0.0-beta.1"},
    },
}


def test_npm_ranges_follow_npm(cache: DetectionCache) -> None:
    with RegistryServer({"/left-pad": (200, NPM_DOC)}) as server:
        lookup = OnlineLookup(Registries(None, server.url, None), cache=cache)
        picks = lookup.choose_many(
            [
                (Ecosystem.NPM, "left-pad", "^1.0.0"),  # latest, as npm does
                (Ecosystem.NPM, "left-pad", "~1.3"),
                (Ecosystem.NPM, "left-pad", "*"),
                (Ecosystem.NPM, "left-pad", "next"),
                (Ecosystem.NPM, "left-pad", ">=1.0.0 <1.2.0"),
                (Ecosystem.NPM, "left-pad", "^3"),
            ]
        )
        assert {spec: c.version for (_e, _n, spec), c in picks.items()} == {
            "^1.0.0": "1.2.0",
            "~1.3": "1.3.0",
            "*": "1.2.0",
            "next": "2.0.0-beta.1",
            ">=1.0.0 <1.2.0": "1.0.0",
            "^3": None,
        }
        # the package document held the versions' licenses: nothing more is asked
        found = lookup.lookup_many([(Ecosystem.NPM, "left-pad", "1.3.0")])
        assert found[(Ecosystem.NPM, "left-pad", "1.3.0")].license == "ISC"
        assert server.requests == ["/left-pad"]
        # chosen versions are cached, and read offline
        offline = OnlineLookup(Registries(None, None, None), cache=cache, offline=True)
        assert choose(offline, Ecosystem.NPM, "left-pad", "~1.3") == Choice(
            "1.3.0", server.url + "/left-pad", cached=True
        )
        cold = choose(offline, Ecosystem.NPM, "right-pad", "^1")
        assert cold == Choice(None, "", "not looked up online (--offline)")


def test_a_failure_expires_before_an_answer(cache: DetectionCache) -> None:
    routes = {"/kept/1.0.0": (200, {"name": "kept", "version": "1.0.0", "license": "MIT"})}
    wanted = [(Ecosystem.NPM, "kept", "1.0.0"), (Ecosystem.NPM, "later", "1.0.0")]
    with RegistryServer(routes) as server:
        for _ in range(2):
            lookup = OnlineLookup(
                Registries(None, server.url, None),
                cache=cache,
                ttl_seconds=60,
                failure_ttl_seconds=0.2,
            )
            lookup.lookup_many(wanted)
            cache.flush()
        assert server.requests == ["/kept/1.0.0", "/later/1.0.0"]  # both cached
        time.sleep(0.3)
        server.routes["/later/1.0.0"] = (200, {"name": "later", "version": "1.0.0"})
        found = OnlineLookup(Registries(None, server.url, None), cache=cache).lookup_many(wanted)
        assert found[wanted[0]].cached
        assert (found[wanted[1]].cached, found[wanted[1]].error) == (
            False,
            "no license stated for this version",
        )
        assert server.requests[2:] == ["/later/1.0.0"]
