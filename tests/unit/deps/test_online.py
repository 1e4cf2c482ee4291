"""Online license lookups against a real HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from licensetier.cache import DetectionCache
from licensetier.deps.base import Ecosystem
from licensetier.deps.online import (
    DEPS_DEV_API,
    Answer,
    OnlineLookup,
    Registries,
    npm_registry,
    pip_index_url,
)

# -- a canned registry -----------------------------------------------------------------------


@dataclass
class Canned:
    body: object = b""
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    accept: str | None
    authorization: str | None


class FakeRegistry:
    """Serves ``routes`` by exact request path (404 JSON otherwise); records each request."""

    def __init__(self) -> None:
        self.routes: dict[str, Canned] = {}
        self.requests: list[Seen] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(
                    Seen(self.path, self.headers.get("Accept"), self.headers.get("Authorization"))
                )
                canned = registry.routes.get(self.path) or Canned({"error": "Not found"}, 404)
                if canned.delay:
                    time.sleep(canned.delay)
                body = canned.body
                if isinstance(body, str):
                    data = body.encode()
                elif isinstance(body, bytes):
                    data = body
                else:
                    data = json.dumps(body).encode()
                try:
                    self.send_response(canned.status)
                    self.send_header("Content-Type", canned.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in canned.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (the timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    server = FakeRegistry()
    yield server
    server.close()


def registries(
    *, pypi: str | None = None, npm: str | None = None, deps_dev: str | None = None
) -> Registries:
    return Registries(pypi_index=pypi, npm_registry=npm, deps_dev=deps_dev)


def ask(lookup: OnlineLookup, ecosystem: Ecosystem, name: str, version: str) -> Answer:
    return lookup.lookup_many([(ecosystem, name, version)])[(ecosystem, name, version)]


def closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


WHEEL_METADATA = """\
Metadata-Version: 2.4
Name: demo-pkg
Version: 2.0
Summary: A demo package
License-Expression: Apache-2.0
License-File: LICENSE
Classifier: Programming Language :: Python :: 3

Demo package
============

License: not this line, it is the description.
"""

SDIST_METADATA = """\
Metadata-Version: 2.1
Name: Old.Thing
Version: 1.4.0
License: BSD-3-Clause
Classifier: License :: OSI Approved :: BSD License
Classifier: Programming Language :: Python

"""

SIMPLE_HTML = """\
<!DOCTYPE html>
<html>
  <head><meta name="pypi:repository-version" content="1.1"><title>Links for old-thing</title></head>
  <body>
    <h1>Links for old-thing</h1>
    <a href="../../packages/ab/Old.Thing-1.3.tar.gz#sha256=1111">Old.Thing-1.3.tar.gz</a><br/>
    <a href="../../packages/cd/Old.Thing-1.4.0.tar.gz#sha256=2222"
       data-core-metadata="sha256=3333" data-dist-info-metadata="sha256=3333"
       >Old.Thing-1.4.0.tar.gz</a><br/>
    <a href="../../packages/ef/old_thing_extra-1.4.0-py3-none-any.whl#sha256=4444"
       data-core-metadata="sha256=5555">old_thing_extra-1.4.0-py3-none-any.whl</a><br/>
  </body>
</html>
"""


# -- Python index ----------------------------------------------------------------------------


def test_pypi_json_api_license_expression(registry: FakeRegistry) -> None:
    registry.routes["/pypi/Demo-Pkg/1.0/json"] = Canned(
        {
            "info": {
                "name": "Demo-Pkg",
                "version": "1.0",
                "license": "MIT License",
                "license_expression": "MIT",
                "classifiers": ["License :: OSI Approved :: MIT License"],
            },
            "urls": [],
        }
    )
    lookup = OnlineLookup(registries(pypi=registry.base + "/simple/"))
    answer = ask(lookup, Ecosystem.PYPI, "Demo-Pkg", "1.0")
    assert answer == Answer("MIT", "license_expression", registry.base + "/pypi/Demo-Pkg/1.0/json")
    assert registry.paths == ["/pypi/Demo-Pkg/1.0/json"]
    assert registry.requests[0].accept == "application/json"


def test_pypi_json_api_license_then_classifiers(registry: FakeRegistry) -> None:
    registry.routes["/mirror/pypi/legacy/0.9/json"] = Canned(
        {"info": {"version": "0.9", "license": "Apache 2.0", "license_expression": None}}
    )
    registry.routes["/mirror/pypi/classy/3.1/json"] = Canned(
        {
            "info": {
                "version": "3.1",
                "license": "UNKNOWN",
                "license_expression": "",
                "classifiers": [
                    "Development Status :: 5 - Production/Stable",
                    "License :: OSI Approved :: MIT License",
                    "License :: OSI Approved :: Apache Software License",
                    "Programming Language :: Python :: 3",
                ],
            }
        }
    )
    lookup = OnlineLookup(registries(pypi=registry.base + "/mirror/simple"))
    answers = lookup.lookup_many(
        [(Ecosystem.PYPI, "legacy", "0.9"), (Ecosystem.PYPI, "classy", "3.1")]
    )
    assert answers[(Ecosystem.PYPI, "legacy", "0.9")].license == "Apache 2.0"
    assert answers[(Ecosystem.PYPI, "legacy", "0.9")].field == "license"
    classy = answers[(Ecosystem.PYPI, "classy", "3.1")]
    assert classy.license == (
        "License :: OSI Approved :: MIT License AND "
        "License :: OSI Approved :: Apache Software License"
    )
    assert classy.field == "classifiers"
    assert classy.error is None


def test_pypi_json_api_404_falls_back_to_simple_json_and_metadata(registry: FakeRegistry) -> None:
    registry.routes["/simple/demo-pkg/"] = Canned(
        {
            "meta": {"api-version": "1.1"},
            "name": "demo-pkg",
            "files": [
                {
                    "filename": "demo_pkg-1.0-py3-none-any.whl",
                    "url": "../../files/demo_pkg-1.0-py3-none-any.whl#sha256=aa",
                    "hashes": {"sha256": "aa"},
                    "core-metadata": {"sha256": "bb"},
                },
                {
                    "filename": "demo_pkg-2.0.tar.gz",
                    "url": "../../files/demo_pkg-2.0.tar.gz",
                    "hashes": {"sha256": "cc"},
                    "core-metadata": False,
                },
                {
                    "filename": "demo_pkg-2.0-py3-none-any.whl",
                    "url": "../../files/demo_pkg-2.0-py3-none-any.whl#sha256=dd",
                    "hashes": {"sha256": "dd"},
                    "core-metadata": {"sha256": "ee"},
                    "dist-info-metadata": {"sha256": "ee"},
                },
            ],
        },
        content_type="application/vnd.pypi.simple.v1+json",
    )
    registry.routes["/files/demo_pkg-2.0-py3-none-any.whl.metadata"] = Canned(
        WHEEL_METADATA, content_type="application/octet-stream"
    )
    lookup = OnlineLookup(registries(pypi=registry.base + "/simple"))
    answer = ask(lookup, Ecosystem.PYPI, "Demo_Pkg", "2.0.0")
    assert answer == Answer(
        "Apache-2.0",
        "License-Expression",
        registry.base + "/files/demo_pkg-2.0-py3-none-any.whl.metadata",
    )
    assert registry.paths == [
        "/pypi/Demo_Pkg/2.0.0/json",
        "/simple/demo-pkg/",
        "/files/demo_pkg-2.0-py3-none-any.whl.metadata",
    ]
    assert registry.requests[1].accept == "application/vnd.pypi.simple.v1+json, text/html;q=0.1"


def test_pypi_simple_html_with_data_core_metadata(registry: FakeRegistry) -> None:
    registry.routes["/root/pypi/+simple/old-thing/"] = Canned(
        SIMPLE_HTML, content_type="text/html; charset=utf-8"
    )
    registry.routes["/root/pypi/packages/cd/Old.Thing-1.4.0.tar.gz.metadata"] = Canned(
        SDIST_METADATA, content_type="text/plain"
    )
    lookup = OnlineLookup(registries(pypi=registry.base + "/root/pypi/+simple/"))
    answer = ask(lookup, Ecosystem.PYPI, "Old.Thing", "1.4")
    assert answer.license == "BSD-3-Clause"
    assert answer.field == "License"
    assert answer.url == registry.base + "/root/pypi/packages/cd/Old.Thing-1.4.0.tar.gz.metadata"
    # Not a ".../simple" index: no JSON API request.
    assert registry.paths == [
        "/root/pypi/+simple/old-thing/",
        "/root/pypi/packages/cd/Old.Thing-1.4.0.tar.gz.metadata",
    ]


def test_pypi_version_missing_or_without_metadata(
    registry: FakeRegistry, cache: DetectionCache
) -> None:
    registry.routes["/idx/old-thing/"] = Canned(SIMPLE_HTML, content_type="text/html")
    lookup = OnlineLookup(registries(pypi=registry.base + "/idx"), cache=cache)
    answers = lookup.lookup_many(
        [(Ecosystem.PYPI, "old-thing", "9.9"), (Ecosystem.PYPI, "old-thing", "1.3")]
    )
    assert answers[(Ecosystem.PYPI, "old-thing", "9.9")].error == "version 9.9 is not on the index"
    # No metadata advertised: its .metadata URL is tried all the same, then the sdist.
    assert answers[(Ecosystem.PYPI, "old-thing", "1.3")].error == (
        "no core metadata found (Old.Thing-1.3.tar.gz .metadata: HTTP 404: not found; "
        "Old.Thing-1.3.tar.gz sdist: HTTP 404: not found)"
    )
    assert registry.paths == [
        "/idx/old-thing/",  # asked once for both
        "/packages/ab/Old.Thing-1.3.tar.gz.metadata",
        "/packages/ab/Old.Thing-1.3.tar.gz",
    ]
    # Both are definitive: a second run asks nothing, and says the failure is a cached one.
    count = len(registry.requests)
    again = OnlineLookup(registries(pypi=registry.base + "/idx"), cache=cache).lookup_many(
        [(Ecosystem.PYPI, "old-thing", "9.9"), (Ecosystem.PYPI, "old-thing", "1.3")]
    )
    assert all(a.cached for a in again.values())
    missing = again[(Ecosystem.PYPI, "old-thing", "9.9")].error or ""
    assert missing.startswith("version 9.9 is not on the index [a failure cached by a lookup at ")
    assert missing.endswith("; asked again after 1 day]")
    assert len(registry.requests) == count


def test_credentials_in_the_index_url_are_sent_but_never_shown(registry: FakeRegistry) -> None:
    registry.routes["/simple/secretive/"] = Canned(
        '<a href="/f/secretive-1.0.tar.gz" data-core-metadata="true">secretive-1.0.tar.gz</a>',
        content_type="text/html",
    )
    registry.routes["/f/secretive-1.0.tar.gz.metadata"] = Canned(
        b"", status=302, headers={"Location": "/g/secretive-1.0.metadata"}
    )
    registry.routes["/g/secretive-1.0.metadata"] = Canned("License-Expression: MIT\n\n")
    registry.routes["/simple/elsewhere/"] = Canned(
        '<a href="/f/elsewhere-2.0.tar.gz" data-core-metadata="true">elsewhere-2.0.tar.gz</a>',
        content_type="text/html",
    )
    other_host = registry.base.replace("127.0.0.1", "localhost")  # another host name
    registry.routes["/f/elsewhere-2.0.tar.gz.metadata"] = Canned(
        b"", status=302, headers={"Location": other_host + "/g/elsewhere-2.0.metadata"}
    )
    registry.routes["/g/elsewhere-2.0.metadata"] = Canned("License: ISC\n\n")
    index = registry.base.replace("http://", "http://reader:s3cret@") + "/simple"
    lookup = OnlineLookup(registries(pypi=index), workers=1)
    answer = ask(lookup, Ecosystem.PYPI, "secretive", "1.0")
    assert answer.license == "MIT"
    assert "s3cret" not in answer.url
    token = "Basic cmVhZGVyOnMzY3JldA=="  # reader:s3cret
    # Sent to the index's host, also after a redirect on the same host ...
    assert [(r.path, r.authorization) for r in registry.requests] == [
        ("/pypi/secretive/1.0/json", token),
        ("/simple/secretive/", token),
        ("/f/secretive-1.0.tar.gz.metadata", token),
        ("/g/secretive-1.0.metadata", token),
    ]
    # ... but never to another host.
    registry.requests.clear()
    assert ask(lookup, Ecosystem.PYPI, "elsewhere", "2.0").license == "ISC"
    assert registry.requests[-1].path == "/g/elsewhere-2.0.metadata"
    assert registry.requests[-1].authorization is None
    describe = Registries(index, None, None, "given (--index-url)").describe()
    assert not any("s3cret" in line for line in describe)


def test_a_file_index_is_not_opened(registry: FakeRegistry) -> None:
    lookup = OnlineLookup(registries(pypi="file:///opt/pypi/simple"))
    answer = ask(lookup, Ecosystem.PYPI, "anything", "1.0")
    assert answer.license is None
    assert (
        answer.error == "the index file:///opt/pypi/simple is not an http or https URL; not asked"
    )


def test_redirect_to_another_scheme_is_refused(registry: FakeRegistry) -> None:
    registry.routes["/sneaky/1.0.0"] = Canned(
        b"", status=302, headers={"Location": "file:///etc/passwd"}
    )
    answer = ask(OnlineLookup(registries(npm=registry.base)), Ecosystem.NPM, "sneaky", "1.0.0")
    assert answer.error == "redirect to a file URL refused"


# -- npm registry ----------------------------------------------------------------------------


def test_npm_scoped_name_is_encoded(registry: FakeRegistry) -> None:
    registry.routes["/@demo%2Fwidget/1.2.3"] = Canned(
        {
            "name": "@demo/widget",
            "version": "1.2.3",
            "license": {"type": "ISC", "url": "https://example.invalid/isc"},
        }
    )
    lookup = OnlineLookup(registries(npm=registry.base + "/"))
    answer = ask(lookup, Ecosystem.NPM, "@demo/widget", "1.2.3")
    assert answer == Answer("ISC", "license", registry.base + "/@demo%2Fwidget/1.2.3")
    assert registry.paths == ["/@demo%2Fwidget/1.2.3"]


def test_npm_licenses_array(registry: FakeRegistry) -> None:
    registry.routes["/npm/oldie/0.1.0"] = Canned(
        {
            "name": "oldie",
            "version": "0.1.0",
            "licenses": [
                {"type": "MIT", "url": "https://example.invalid/mit"},
                "Apache-2.0",
            ],
        }
    )
    lookup = OnlineLookup(registries(npm=registry.base + "/npm"))
    answer = ask(lookup, Ecosystem.NPM, "oldie", "0.1.0")
    assert answer.license == "MIT OR Apache-2.0"
    assert answer.field == "licenses"


def test_npm_version_without_license_is_a_cached_negative(
    registry: FakeRegistry, cache: DetectionCache
) -> None:
    registry.routes["/bare/1.0.0"] = Canned({"name": "bare", "version": "1.0.0"})
    answer = ask(
        OnlineLookup(registries(npm=registry.base), cache=cache), Ecosystem.NPM, "bare", "1.0.0"
    )
    assert answer.license is None
    assert answer.error == "no license stated for this version"
    again = ask(
        OnlineLookup(registries(npm=registry.base), cache=cache), Ecosystem.NPM, "bare", "1.0.0"
    )
    assert again.cached
    assert (again.error or "").startswith(
        "no license stated for this version [a failure cached by a lookup at "
    )
    assert registry.paths == ["/bare/1.0.0"]


# -- deps.dev --------------------------------------------------------------------------------


def test_deps_dev_maven_and_go(registry: FakeRegistry) -> None:
    maven = "/v3/systems/MAVEN/packages/org.demo%3Ademo-core/versions/1.4.0"
    golang = "/v3/systems/GO/packages/github.com%2Fdemo%2Fmod/versions/v1.2.3"
    cargo = "/v3/systems/CARGO/packages/demo-crate/versions/0.3.1%2Bbuild.7"
    registry.routes[maven] = Canned(
        {
            "versionKey": {"system": "MAVEN", "name": "org.demo:demo-core", "version": "1.4.0"},
            "licenses": ["Apache-2.0"],
        }
    )
    registry.routes[golang] = Canned(
        {
            "versionKey": {"system": "GO", "name": "github.com/demo/mod", "version": "v1.2.3"},
            "licenses": ["MIT", "BSD-3-Clause"],
        }
    )
    registry.routes[cargo] = Canned(
        {
            "versionKey": {"system": "CARGO", "name": "demo-crate", "version": "0.3.1+build.7"},
            "licenses": ["MIT OR Apache-2.0", "Unicode-DFS-2016"],
        }
    )
    lookup = OnlineLookup(registries(deps_dev=registry.base + "/v3"))
    answers = lookup.lookup_many(
        [
            (Ecosystem.MAVEN, "org.demo:demo-core", "1.4.0"),
            (Ecosystem.GOLANG, "github.com/demo/mod", "v1.2.3"),
            (Ecosystem.CARGO, "demo-crate", "0.3.1+build.7"),
        ]
    )
    assert answers[(Ecosystem.MAVEN, "org.demo:demo-core", "1.4.0")] == Answer(
        "Apache-2.0", "licenses", registry.base + maven
    )
    assert answers[(Ecosystem.GOLANG, "github.com/demo/mod", "v1.2.3")].license == (
        "MIT AND BSD-3-Clause"
    )
    assert answers[(Ecosystem.CARGO, "demo-crate", "0.3.1+build.7")].license == (
        "(MIT OR Apache-2.0) AND Unicode-DFS-2016"
    )
    assert sorted(registry.paths) == sorted([maven, golang, cargo])


def test_pypi_and_npm_go_to_deps_dev_without_a_registry(registry: FakeRegistry) -> None:
    path = "/v3/systems/PYPI/packages/zope-thing/versions/5.0"
    registry.routes[path] = Canned({"versionKey": {"system": "PYPI"}, "licenses": ["ZPL-2.1"]})
    answer = ask(
        OnlineLookup(registries(deps_dev=registry.base + "/v3")),
        Ecosystem.PYPI,
        "Zope.Thing",
        "5.0",
    )
    assert answer.license == "ZPL-2.1"
    assert registry.paths == [path]


def test_composer_has_no_online_source(registry: FakeRegistry) -> None:
    lookup = OnlineLookup(registries(pypi=registry.base, npm=registry.base, deps_dev=registry.base))
    answer = ask(lookup, Ecosystem.COMPOSER, "monolog/monolog", "3.5.0")
    assert answer == Answer(None, "", "", "no online source for composer packages")
    assert registry.requests == []


# -- failures and the cache ------------------------------------------------------------------


def test_404_is_cached(registry: FakeRegistry, cache: DetectionCache) -> None:
    lookup = OnlineLookup(registries(npm=registry.base), cache=cache)
    first = ask(lookup, Ecosystem.NPM, "ghost", "1.0.0")
    assert first == Answer(None, "", registry.base + "/ghost/1.0.0", "HTTP 404: not found")
    second = ask(
        OnlineLookup(registries(npm=registry.base), cache=cache), Ecosystem.NPM, "ghost", "1.0.0"
    )
    assert (second.license, second.url, second.cached) == (
        None,
        registry.base + "/ghost/1.0.0",
        True,
    )
    # recognisable as a failure, kept one day (an answer: seven)
    assert re.fullmatch(
        r"HTTP 404: not found \[a failure cached by a lookup at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC; asked again after 1 day\]",
        second.error or "",
    )
    assert registry.paths == ["/ghost/1.0.0"]


def test_429_is_not_cached_and_the_host_is_left_alone(
    registry: FakeRegistry, cache: DetectionCache
) -> None:
    registry.routes["/busy/1.0.0"] = Canned({"error": "slow down"}, status=429)
    registry.routes["/other/2.0.0"] = Canned(
        {"name": "other", "version": "2.0.0", "license": "MIT"}
    )
    lookup = OnlineLookup(registries(npm=registry.base), cache=cache)
    assert ask(lookup, Ecosystem.NPM, "busy", "1.0.0").error == "rate limited (HTTP 429)"
    assert ask(lookup, Ecosystem.NPM, "other", "2.0.0").error == "rate limited earlier in this run"
    assert registry.paths == ["/busy/1.0.0"]
    # Another run asks again: the 429 was not cached.
    again = ask(
        OnlineLookup(registries(npm=registry.base), cache=cache), Ecosystem.NPM, "busy", "1.0.0"
    )
    assert again.error == "rate limited (HTTP 429)"
    assert not again.cached
    assert registry.paths == ["/busy/1.0.0", "/busy/1.0.0"]


def test_500_is_not_cached(registry: FakeRegistry, cache: DetectionCache) -> None:
    path = "/v3/systems/NUGET/packages/Demo.Lib/versions/4.0.1"
    registry.routes[path] = Canned("oops", status=500, content_type="text/plain")
    for _ in range(2):
        lookup = OnlineLookup(registries(deps_dev=registry.base + "/v3"), cache=cache)
        answer = ask(lookup, Ecosystem.NUGET, "Demo.Lib", "4.0.1")
        assert answer.error == "server error (HTTP 500)"
        assert not answer.cached
    assert registry.paths == [path, path]


def test_malformed_json_is_not_cached(registry: FakeRegistry, cache: DetectionCache) -> None:
    registry.routes["/broken/1.0.0"] = Canned('{"name": "broken", "version": ')
    registry.routes["/listy/1.0.0"] = Canned(["not", "a", "document"])
    for _ in range(2):
        lookup = OnlineLookup(registries(npm=registry.base), cache=cache)
        answers = lookup.lookup_many(
            [(Ecosystem.NPM, "broken", "1.0.0"), (Ecosystem.NPM, "listy", "1.0.0")]
        )
        broken = answers[(Ecosystem.NPM, "broken", "1.0.0")]
        assert broken.error is not None
        assert broken.error.startswith("malformed answer: not valid JSON (Expecting value")
        assert answers[(Ecosystem.NPM, "listy", "1.0.0")].error == (
            "malformed answer: not a version document"
        )
    assert sorted(registry.paths) == ["/broken/1.0.0"] * 2 + ["/listy/1.0.0"] * 2


def test_a_slow_server_times_out(registry: FakeRegistry) -> None:
    registry.routes["/slow/1.0.0"] = Canned({"version": "1.0.0", "license": "MIT"}, delay=3.0)
    lookup = OnlineLookup(registries(npm=registry.base), timeout=0.5)
    started = time.monotonic()
    answer = ask(lookup, Ecosystem.NPM, "slow", "1.0.0")
    assert time.monotonic() - started < 2.0
    assert answer.error == "timed out after 0.5 s"


def test_a_closed_port_is_connection_refused() -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    lookup = OnlineLookup(registries(npm=base), timeout=2.0)
    answers = lookup.lookup_many([(Ecosystem.NPM, "a", "1.0.0"), (Ecosystem.NPM, "b", "1.0.0")])
    errors = sorted(str(a.error) for a in answers.values())
    # Both refused: the second either by the host or by the run's memory of the first.
    assert errors[0] == "connection refused"
    assert errors[1] in (
        "connection refused",
        "connection refused earlier in this run; not asked again",
    )


def test_an_oversized_answer_is_not_read(registry: FakeRegistry) -> None:
    registry.routes["/huge/1.0.0"] = Canned(
        {"version": "1.0.0", "license": "MIT", "pad": "x" * 5000}
    )
    answer = ask(
        OnlineLookup(registries(npm=registry.base), max_bytes=1000), Ecosystem.NPM, "huge", "1.0.0"
    )
    assert answer.license is None
    assert answer.error is not None
    assert "larger than 1000" in answer.error


def test_an_answer_survives_a_reopen(registry: FakeRegistry, tmp_path: Path) -> None:
    registry.routes["/kept/1.0.0"] = Canned({"name": "kept", "version": "1.0.0", "license": "0BSD"})
    first = DetectionCache.open(tmp_path, engine_version="x", db_version="y")
    answer = ask(
        OnlineLookup(registries(npm=registry.base), cache=first), Ecosystem.NPM, "kept", "1.0.0"
    )
    assert answer == Answer("0BSD", "license", registry.base + "/kept/1.0.0")
    first.flush()
    first.close()
    reopened = DetectionCache.open(tmp_path, engine_version="x", db_version="y")
    try:
        again = ask(
            OnlineLookup(registries(npm=registry.base), cache=reopened),
            Ecosystem.NPM,
            "kept",
            "1.0.0",
        )
    finally:
        reopened.close()
    assert again == Answer("0BSD", "license", registry.base + "/kept/1.0.0", cached=True)
    assert registry.paths == ["/kept/1.0.0"]


def test_an_expired_answer_is_asked_again(registry: FakeRegistry, cache: DetectionCache) -> None:
    registry.routes["/brief/1.0.0"] = Canned(
        {"name": "brief", "version": "1.0.0", "license": "MIT"}
    )
    lookup = OnlineLookup(registries(npm=registry.base), cache=cache, ttl_seconds=0.2)
    assert ask(lookup, Ecosystem.NPM, "brief", "1.0.0").license == "MIT"
    cache.flush()
    time.sleep(0.4)
    again = ask(
        OnlineLookup(registries(npm=registry.base), cache=cache), Ecosystem.NPM, "brief", "1.0.0"
    )
    assert again == Answer("MIT", "license", registry.base + "/brief/1.0.0")
    assert registry.paths == ["/brief/1.0.0", "/brief/1.0.0"]


def test_cache_keys_name_the_registry(registry: FakeRegistry, cache: DetectionCache) -> None:
    registry.routes["/a/same/1.0.0"] = Canned(
        {"name": "same", "version": "1.0.0", "license": "MIT"}
    )
    registry.routes["/b/same/1.0.0"] = Canned(
        {"name": "same", "version": "1.0.0", "license": "ISC"}
    )
    first = ask(
        OnlineLookup(registries(npm=registry.base + "/a"), cache=cache),
        Ecosystem.NPM,
        "same",
        "1.0.0",
    )
    second = ask(
        OnlineLookup(registries(npm=registry.base + "/b"), cache=cache),
        Ecosystem.NPM,
        "same",
        "1.0.0",
    )
    assert (first.license, second.license) == ("MIT", "ISC")
    assert not second.cached


def test_many_lookups_run_concurrently(registry: FakeRegistry) -> None:
    for n in range(6):
        registry.routes[f"/pkg{n}/1.0.0"] = Canned(
            {"name": f"pkg{n}", "version": "1.0.0", "license": "MIT"}, delay=0.3
        )
    wanted = [(Ecosystem.NPM, f"pkg{n}", "1.0.0") for n in range(6)]
    started = time.monotonic()
    answers = OnlineLookup(registries(npm=registry.base), workers=6).lookup_many(
        wanted + wanted[:2]
    )
    assert time.monotonic() - started < 1.5  # six requests of 0.3 s in parallel
    assert sorted(answers) == sorted(wanted)
    assert {a.license for a in answers.values()} == {"MIT"}
    assert len(registry.requests) == 6


# -- registry discovery ----------------------------------------------------------------------


def test_pip_index_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/env/simple")
    assert pip_index_url() == (
        "http://127.0.0.1:9/env/simple",
        "PIP_INDEX_URL environment variable",
    )


def test_pip_index_url_from_pip_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = http://127.0.0.1:9/simple\n"
        "extra-index-url = http://127.0.0.1:9/extra/simple\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert pip_index_url() == ("http://127.0.0.1:9/simple", "pip config (global.index-url)")


def test_pip_index_url_falls_back_to_pips_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from pip._internal.models.index import PyPI

    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip then reads no config file at all
    url, how = pip_index_url()
    assert url == PyPI.simple_url
    assert how.startswith("pip's default index")


def test_pip_index_url_without_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    missing = str(tmp_path / "no-python")
    url, how = pip_index_url(missing, timeout=5)
    # The in-process default still answers (pip is installed next to licensetier).
    from pip._internal.models.index import PyPI

    assert (url, how) == (PyPI.simple_url, "pip's default index")


def test_npm_registry_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NPM_CONFIG_REGISTRY", raising=False)
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/npm/")
    assert npm_registry() == ("http://127.0.0.1:9/npm/", "npm_config_registry environment variable")


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_registry_from_npmrc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    npmrc = tmp_path / ".npmrc"
    npmrc.write_text("registry=http://127.0.0.1:9/\n", encoding="utf-8")
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY", "npm_config_userconfig"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(npmrc))
    assert npm_registry() == ("http://127.0.0.1:9/", "npm config get registry")


def test_npm_registry_without_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert npm_registry() == (None, "npm is not installed and no registry is configured")


def test_registries_discover_explicit_values_win() -> None:
    found = Registries.discover(
        index_url="http://127.0.0.1:9/simple", npm_registry="http://127.0.0.1:9/npm/"
    )
    assert found.pypi_index == "http://127.0.0.1:9/simple"
    assert found.npm_registry == "http://127.0.0.1:9/npm/"
    assert found.deps_dev == DEPS_DEV_API
    assert found.describe() == (
        "Python packages: http://127.0.0.1:9/simple (given (--index-url))",
        "npm packages: http://127.0.0.1:9/npm/ (given (--npm-registry))",
        f"Cargo, Go, Maven, RubyGems and NuGet packages: {DEPS_DEV_API} (default)",
        "Composer packages: no online source",
    )


def test_registries_describe_fallbacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    found = Registries.discover(index_url="http://127.0.0.1:9/simple", deps_dev=None)
    assert found.npm_registry is None
    assert found.describe()[1:3] == (
        "npm packages: not asked (npm is not installed and no registry is configured)",
        "Cargo, Go, Maven, RubyGems and NuGet packages: not asked (disabled)",
    )
    answer = ask(OnlineLookup(found), Ecosystem.NPM, "left-pad", "1.3.0")
    assert answer.error == "no online source for npm packages"


def test_discovery_runs_nothing_of_the_scanned_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A scanned checkout holding a "pip" package must not be imported, neither by
    # `python -m pip` run from there nor in-process when the checkout is on sys.path.
    from pip._internal.models.index import PyPI

    checkout = tmp_path / "checkout"
    trap = checkout / "pip"
    trap.mkdir(parents=True)
    marker = tmp_path / "ran"
    for module in ("__init__.py", "__main__.py"):
        (trap / module).write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.chdir(checkout)
    monkeypatch.syspath_prepend(str(checkout))
    for name in [n for n in sys.modules if n == "pip" or n.startswith("pip.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert pip_index_url() == (PyPI.simple_url, "pip's default index (pip install --help)")
    assert not marker.exists()


def test_core_metadata_with_only_classifiers_lists_what_applies() -> None:
    from email.parser import Parser

    from licensetier.deps.online import _from_metadata
    from licensetier.deps.resolve import _classifiers

    headers = Parser().parsestr(
        "Metadata-Version: 2.1\nName: both\nVersion: 1.0\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Classifier: Programming Language :: Python\n"
        "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)\n\n"
    )
    answer = _from_metadata(headers, "http://127.0.0.1/both.metadata")
    # named like the JSON API's, so the resolver maps each classifier to SPDX
    assert answer.field == "classifiers"
    assert answer.license is not None
    assert _classifiers(answer.license) == "MIT AND GPL-3.0-only"
