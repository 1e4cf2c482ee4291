"""A package registry for tests: a real HTTP server on 127.0.0.1 serving canned answers
in the shapes of a Python package index (its JSON API, its simple API and the files it
lists), an npm registry and deps.dev."""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
import threading
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class Raw:
    """A body served as it is, with its content type; ``ranges``: whether ``Range:``
    requests are answered (206 with ``Content-Range``) or ignored (200, whole body)."""

    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200
    ranges: bool = True


@dataclass(frozen=True)
class Seen:
    path: str
    range: str | None  # the Range header, if any
    sent: int  # bytes of body sent


class RegistryServer:
    """``routes`` maps a request path to ``(status, JSON body)`` or to a :class:`Raw`
    body; anything else is a 404. Every request path is recorded in :attr:`requests`,
    and with its ``Range:`` header and the bytes sent in :attr:`seen`. ``after`` maps a
    path to the paths whose answers must have been sent before its own is (at most 10 s):
    the order in which concurrent lookups meet a server's answers, made certain."""

    def __init__(
        self, routes: dict[str, Any] | None = None, after: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        self.routes: dict[str, Any] = dict(routes or {})
        self.requests: list[str] = []
        self.seen: list[Seen] = []
        self.after = dict(after or {})
        self._answered: set[str] = set()
        self._change = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                try:
                    self._answer()
                finally:
                    with server._change:
                        server._answered.add(self.path)
                        server._change.notify_all()

            def _answer(self) -> None:
                waits = server.after.get(self.path, ())
                with server._change:
                    server._change.wait_for(lambda: server._answered.issuperset(waits), 10)
                route = server.routes.get(self.path, (404, {"message": "not found"}))
                if isinstance(route, Raw):
                    status, data, kind, ranges = (
                        route.status,
                        route.body,
                        route.content_type,
                        route.ranges,
                    )
                else:
                    status, body = route
                    data, kind, ranges = json.dumps(body).encode(), "application/json", False
                asked = self.headers.get("Range")
                extra: dict[str, str] = {}
                match = _RANGE.fullmatch(asked.strip()) if asked and ranges else None
                if match is not None and status == 200 and (match[1] or match[2]):
                    size = len(data)
                    if not match[1]:  # the last N bytes
                        first, last = max(0, size - int(match[2])), size - 1
                    else:
                        first = int(match[1])
                        last = min(size - 1, int(match[2])) if match[2] else size - 1
                    if first >= size or first > last:
                        status, data = 416, b""
                        extra["Content-Range"] = f"bytes */{size}"
                    else:
                        status, data = 206, data[first : last + 1]
                        extra["Content-Range"] = f"bytes {first}-{last}/{size}"
                if ranges:
                    extra["Accept-Ranges"] = "bytes"
                server.seen.append(Seen(self.path, asked, len(data)))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client stopped reading (a body larger than its bound)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> RegistryServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


# -- the files of a Python index --------------------------------------------------------

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def simple_page(name: str, *files: dict[str, object]) -> Raw:
    """A PEP 691 page whose files advertise no core metadata unless said."""
    body = {"meta": {"api-version": "1.1"}, "name": name, "files": list(files)}
    return Raw(json.dumps(body).encode(), SIMPLE_JSON)


def entry(filename: str, **extra: object) -> dict[str, object]:
    return {"filename": filename, "url": f"/files/{filename}", "hashes": {}, **extra}


def pkg_info(name: str, version: str, license_line: str) -> bytes:
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{license_line}\n"
        "Classifier: Programming Language :: Python :: 3\n\nA description.\n"
    ).encode()


def make_wheel(
    name: str, version: str, license_line: str, padding: int = 0, *, first: bool = False
) -> bytes:
    """A wheel as a build backend writes one (METADATA, WHEEL, RECORD in .dist-info),
    with ``padding`` incompressible bytes of module data before it (``first``: after)."""
    buffer = io.BytesIO()
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        if first:
            wheel.writestr(f"{info}/METADATA", pkg_info(name, version, license_line))
        wheel.writestr(f"{name}/__init__.py", "")
        if padding:
            wheel.writestr(f"{name}/data.bin", os.urandom(padding), zipfile.ZIP_STORED)
        if not first:
            wheel.writestr(f"{info}/METADATA", pkg_info(name, version, license_line))
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        wheel.writestr(f"{info}/RECORD", "")
    return buffer.getvalue()


def make_sdist(name: str, version: str, license_line: str, suffix: str = ".tar.gz") -> bytes:
    """An sdist's layout: ``<name>-<version>/PKG-INFO`` beside the sources."""
    top = f"{name}-{version}"
    buffer = io.BytesIO()
    if suffix == ".zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{top}/setup.py", "")
            archive.writestr(f"{top}/PKG-INFO", pkg_info(name, version, license_line))
        return buffer.getvalue()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, data in (
            (f"{top}/src/{name}.py", b"x = 1\n"),
            (f"{top}/PKG-INFO", pkg_info(name, version, license_line)),
        ):
            item = tarfile.TarInfo(member)
            item.size = len(data)
            archive.addfile(item, io.BytesIO(data))
    return buffer.getvalue()
