"""License lookups of package versions on the registries this machine uses, and the
versions those registries offer for a Python or npm range.

Where the answers come from
---------------------------
No registry host is written here: the Python index is the one pip is configured to use
(``PIP_INDEX_URL``, ``pip config``, else pip's own built-in default) and the npm registry
the one npm is configured to use (``npm_config_registry``, else ``npm config get
registry``). Explicit values (the CLI's ``--index-url`` / ``--npm-registry``) win.
Cargo, Go, Maven, RubyGems and NuGet packages, and Python or npm packages whose registry
could not be determined, are asked of the deps.dev insights API (:data:`DEPS_DEV_API`).
Composer packages have no online source.

What is asked
-------------
* Python index (a "simple" index, PEP 503/691). When the index URL's path ends in
  ``/simple``, first the JSON API at the sibling path ``<prefix>/pypi/<name>/<version>/json``
  (served by the reference index and by most mirrors): ``info.license_expression``, else
  ``info.license`` unless blank or ``UNKNOWN``, else the ``License ::`` classifiers joined
  with `` AND `` (what applies, not a choice; passed through raw). When that answers 404
  or is not JSON, or the index is not ``.../simple``, the simple API:
  ``<index>/<normalized name>/`` (JSON or HTML, asked once per run), the files of exactly
  that version, and their core metadata (``License-Expression``, ``License``,
  ``Classifier``) by the first way that answers: ``<file URL>.metadata`` (PEP 658/714;
  advertised files first, then the chosen wheel and sdist even unadvertised); the
  wheel's ``.dist-info/METADATA`` read with :mod:`zipfile` over HTTP range requests
  (:class:`_RangeFile`, within :data:`WHEEL_RANGE_BUDGET`; a server that ignores ranges
  is read only up to :data:`WHEEL_WHOLE_BYTES`); the sdist's ``PKG-INFO``, for an sdist
  of at most :data:`SDIST_MAX_BYTES`.
* npm registry: the document of one version, ``<registry>/<name>/<version>`` (a scoped
  name's ``/`` sent as ``%2F``): ``license`` (a string or ``{"type": ...}``), else
  ``licenses`` (a list of those, joined with `` OR ``: the old field listed alternatives).
* deps.dev: ``<base>/systems/<SYSTEM>/packages/<name>/versions/<version>`` (both
  percent-encoded, so a Maven ``group:artifact`` is sent as ``group%3Aartifact``):
  ``licenses``, the list of SPDX expressions deps.dev found for that version. All of them
  apply, so several are joined with `` AND `` (compound ones parenthesized).
* Ranges (:meth:`OnlineLookup.choose_many`): a Python range against the versions of the
  simple page (``packaging``; pre-releases only when the range names one, yanked files
  only when it pins them), the highest accepted; an npm range against the package
  document ``<registry>/<name>`` (``semantic_version.NpmSpec``; the ``latest`` tag when
  the range accepts it, as npm does; a tag name takes that tag). The package document
  holds the chosen version's license too, so it is not asked again.

Failures
--------
Every request has a timeout, only ``http``/``https`` URLs are opened (redirects to other
schemes are refused), bodies larger than :data:`MAX_ANSWER_BYTES` are not read, and every
failure becomes an :class:`Answer` whose ``error`` says why in plain English: no exception
escapes :meth:`OnlineLookup.lookup_many`. After HTTP 429 from a host, that host is not asked
again in the same run; the same holds for a host that refused the connection or could not
be resolved, and for one that timed out :data:`TIMEOUTS_PER_HOST` times.

Caching
-------
Answers are kept in :class:`~licensetier.cache.DetectionCache`'s key/value table under
:data:`CACHE_NAMESPACE` (versions chosen for ranges under :data:`RANGE_NAMESPACE`, for
:data:`RANGE_TTL_SECONDS`), keyed by ``registry|ecosystem|name|version`` for
``ttl_seconds`` and, for offline runs that know no registry, ``*|ecosystem|name|version``.
Definitive negatives (HTTP 404/410, a version without a license, a version the index
does not list, no readable metadata) are cached under the registry's key only, for
``failure_ttl_seconds`` (:data:`FAILURE_TTL_SECONDS`), and read back with their reason
marked as a cached failure; transient failures (timeouts, HTTP 5xx and 429, connection
errors, malformed answers) are not cached. Offline (``offline=True``) nothing is asked:
only cached answers.
"""

from __future__ import annotations

import ast
import base64
import http.client
import importlib
import importlib.util
import io
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from email.message import Message
from email.parser import HeaderParser
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from licensetier.cache import DetectionCache
from licensetier.deps.base import Ecosystem, normalize_pypi, package_key
from licensetier.deps.python import CLASSIFIERS_JOINED
from licensetier.expressions import combine

#: The deps.dev API (an insights service about open source packages, not a registry).
DEPS_DEV_API = "https://api.deps.dev/v3"
#: The key/value namespace of cached answers; bump the suffix when their format changes.
CACHE_NAMESPACE = "online-license-2"
#: Answers larger than this are not read (a simple page of a huge project is a few MB).
MAX_ANSWER_BYTES = 20 * 1024 * 1024
#: A host that timed out this many times is not asked again in the same run.
TIMEOUTS_PER_HOST = 3
#: Definitive failures (no such version, no license stated, no readable metadata) are
#: cached this long, answers for ``ttl_seconds``; transient failures are not cached.
FAILURE_TTL_SECONDS = 86400
#: The version chosen for a range is cached this long (a new release may change it).
RANGE_TTL_SECONDS = 86400
#: The namespace of the versions chosen for ranges.
RANGE_NAMESPACE = "online-range-1"
#: The namespace of what versions require (Requires-Dist, npm dependencies).
REQUIRES_NAMESPACE = "online-requires-1"
#: The namespace of the versions a Python index lists for a project.
RELEASES_NAMESPACE = "online-releases-1"
#: A wheel's ``.dist-info/METADATA`` is read through HTTP range requests fetching at
#: most this many bytes of it in all (its central directory, then the member).
WHEEL_RANGE_BUDGET = 4 * 1024 * 1024
#: The first range request: the wheel's last bytes (its end of central directory).
WHEEL_TAIL_BYTES = 64 * 1024
#: When the server ignores range requests, at most this much of a wheel is read.
WHEEL_WHOLE_BYTES = 2 * 1024 * 1024
#: An sdist is downloaded to read its ``PKG-INFO`` only up to this size.
SDIST_MAX_BYTES = 8 * 1024 * 1024
#: Nor is more than this of it decompressed to find ``PKG-INFO``.
SDIST_UNPACKED_BYTES = 64 * 1024 * 1024
#: Only the first bytes of a METADATA or PKG-INFO member are read (its headers come
#: first; the rest is the description); a ``.metadata`` file larger than this is not.
MAX_METADATA_BYTES = 1024 * 1024

_SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
_JSON_ACCEPT = "application/json"
_DEPS_DEV_SYSTEMS = {
    Ecosystem.NPM: "NPM",
    Ecosystem.PYPI: "PYPI",
    Ecosystem.GOLANG: "GO",
    Ecosystem.MAVEN: "MAVEN",
    Ecosystem.CARGO: "CARGO",
    Ecosystem.NUGET: "NUGET",
    Ecosystem.GEM: "RUBYGEMS",
}
_NO_LICENSE = "no license stated for this version"
#: The reason of a lookup not made, offline, and not answered from the cache.
OFFLINE = "not looked up online (--offline)"
_WHEEL_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
_SDIST_PKG_INFO = re.compile(r"[^/]+/PKG-INFO")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)", re.IGNORECASE)


# -- registry discovery ----------------------------------------------------------------------


def _run(args: list[str], timeout: float) -> str | None:
    """The stdout of a package client's command, or None when it cannot run or fails.

    Runs from the temporary directory, so that no project configuration (or module) of the
    directory being scanned is picked up."""
    try:
        done = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=tempfile.gettempdir(),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout


def _config_value(text: str) -> str:
    """A value of ``pip config list`` (printed as ``key='value'``, i.e. a Python repr)."""
    text = text.strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.strip("'\"")
    return value if isinstance(value, str) else text


def _pip_default_in_process() -> str | None:
    """pip's built-in default index, from the pip installed next to licensetier.

    Only a pip installed in a ``site-packages`` (or ``dist-packages``) directory is
    imported: with ``python -m``, the current directory (perhaps the repository being
    scanned) comes first on ``sys.path``, and nothing of a scanned repository is run."""
    try:
        spec = importlib.util.find_spec("pip")
        origin = spec.origin if spec is not None else None
        if not origin or Path(origin).parent.parent.name not in ("site-packages", "dist-packages"):
            return None
        module = importlib.import_module("pip._internal.models.index")
        url = module.PyPI.simple_url
    except Exception:  # any pip at all, or none: this is only one way to ask
        return None
    return url if isinstance(url, str) and url else None


_HELP_DEFAULT = re.compile(r"--index-url <url>[^(]*\(default:? ([^\s)]+)\)")


def pip_index_url(python: str | None = None, timeout: float = 10.0) -> tuple[str | None, str]:
    """The index pip installs from, and how it was found; ``(None, reason)`` if not found.

    In order: ``PIP_INDEX_URL``; ``<python> -m pip config list`` (``:env:.index-url``, then
    ``install.index-url``, then ``global.index-url``, as pip's own precedence goes); pip's
    built-in default, read from the pip module or from ``pip install --help``. Extra
    indexes and find-links are not considered.
    """
    env = os.environ.get("PIP_INDEX_URL", "").strip()
    if env:
        return env.split()[0], "PIP_INDEX_URL environment variable"
    exe = python or sys.executable
    listed = _run([exe, "-I", "-m", "pip", "config", "list"], timeout) if exe else None
    if listed is not None:
        found: dict[str, str] = {}
        for line in listed.splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() in (":env:.index-url", "install.index-url", "global.index-url"):
                found[key.strip()] = _config_value(value)
        for key in (":env:.index-url", "install.index-url", "global.index-url"):
            value = found.get(key, "").strip()
            if value:
                return value.split()[0], f"pip config ({key})"
    default = _pip_default_in_process()
    if default:
        return default, "pip's default index"
    helped = _run([exe, "-I", "-m", "pip", "install", "--help"], timeout) if exe else None
    if helped is not None:
        match = _HELP_DEFAULT.search(" ".join(helped.split()))
        if match:
            return match.group(1), "pip's default index (pip install --help)"
    return None, f"pip is not available to {exe or 'this Python'} and PIP_INDEX_URL is not set"


def npm_registry(timeout: float = 10.0) -> tuple[str | None, str]:
    """The registry npm installs from, and how it was found; ``(None, reason)`` if not.

    ``npm_config_registry`` / ``NPM_CONFIG_REGISTRY``, else ``npm config get registry`` (its
    last non-empty line of standard output; warnings on standard error are ignored).
    """
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        value = os.environ.get(name, "").strip()
        if value:
            return value, f"{name} environment variable"
    npm = shutil.which("npm")
    if npm is not None:
        out = _run([npm, "config", "get", "registry"], timeout)
        lines = [line.strip() for line in (out or "").splitlines() if line.strip()]
        if lines and lines[-1] not in ("undefined", "null"):
            return lines[-1], "npm config get registry"
        return None, "npm config get registry gave no registry"
    return None, "npm is not installed and no registry is configured"


_discover_npm = npm_registry  # Registries.discover's parameter shadows the name


def _redact(url: str) -> str:
    """The URL without a user name or password (they are never shown or cached)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class Registries:
    """Where online lookups go; None means "no such registry" (deps.dev is then asked, or,
    for deps.dev itself, nothing). The ``*_source`` fields say how each was found."""

    pypi_index: str | None
    npm_registry: str | None
    deps_dev: str | None
    pypi_source: str = ""
    npm_source: str = ""
    deps_dev_source: str = ""

    @classmethod
    def discover(
        cls,
        *,
        index_url: str | None = None,
        npm_registry: str | None = None,
        deps_dev: str | None = DEPS_DEV_API,
        python: str | None = None,
        timeout: float = 10.0,
    ) -> Registries:
        """Explicit values win; a None index or registry is asked of pip / npm."""
        pypi: str | None
        npm: str | None
        if index_url is not None:
            pypi, pypi_how = index_url, "given (--index-url)"
        else:
            pypi, pypi_how = pip_index_url(python, timeout)
        if npm_registry is not None:
            npm, npm_how = npm_registry, "given (--npm-registry)"
        else:
            npm, npm_how = _discover_npm(timeout)
        if deps_dev is None:
            deps_how = "disabled"
        elif deps_dev == DEPS_DEV_API:
            deps_how = "default"
        else:
            deps_how = "given"
        return cls(pypi, npm, deps_dev, pypi_how, npm_how, deps_how)

    def describe(self) -> tuple[str, ...]:
        """One line per source, saying where it came from (credentials left out)."""
        lines: list[str] = []
        for label, url, how in (
            ("Python packages", self.pypi_index, self.pypi_source),
            ("npm packages", self.npm_registry, self.npm_source),
        ):
            if url:
                lines.append(f"{label}: {_redact(url)} ({how})")
            elif self.deps_dev:
                lines.append(f"{label}: deps.dev ({how or 'no registry found'})")
            else:
                lines.append(f"{label}: not asked ({how or 'no registry found'})")
        if self.deps_dev:
            lines.append(
                "Cargo, Go, Maven, RubyGems and NuGet packages: "
                f"{_redact(self.deps_dev)} ({self.deps_dev_source or 'given'})"
            )
        else:
            lines.append("Cargo, Go, Maven, RubyGems and NuGet packages: not asked (disabled)")
        lines.append("Composer packages: no online source")
        return tuple(lines)


# -- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a registry says about the license of one package version.

    ``license`` is the declared string as the registry gives it (several joined: npm's
    ``licenses`` with `` OR ``, deps.dev's ``licenses`` with `` AND ``, classifiers with
    `` AND ``); ``field`` names where it was found; ``url`` is what was asked (without
    credentials); ``error`` says why there is no license, when there is none.
    """

    license: str | None
    field: str
    url: str
    error: str | None = None
    texts: tuple[str, ...] = ()
    cached: bool = False


@dataclass(frozen=True)
class Choice:
    """The version a registry offers for a range: the highest one it accepts (npm: the
    ``latest`` tag when the range accepts it). ``url`` is what was asked; ``error`` says
    why there is no version, when there is none."""

    version: str | None
    url: str
    error: str | None = None
    cached: bool = False


@dataclass(frozen=True)
class Requires:
    """What one package version requires: a Python version's ``Requires-Dist`` entries
    (as written, markers and all) and ``Requires-Python``; an npm version's
    ``dependencies`` and ``optionalDependencies`` as ``name@range`` pairs. ``url`` is
    where they were read; ``error`` says why they are not known, when they are not."""

    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    url: str = ""
    error: str | None = None
    cached: bool = False
    npm: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Release:
    """One version a Python index lists: as its files spell it, whether every file of it
    is yanked, the ``Requires-Python`` its files state, and whether one of its files can
    be installed here (an sdist, or a wheel whose tags this interpreter supports)."""

    version: str
    yanked: bool
    requires_python: str | None
    installable: bool


@dataclass(frozen=True)
class Releases:
    """The versions a Python index lists for a project (``error``: why none)."""

    versions: tuple[Release, ...]
    url: str
    error: str | None = None
    cached: bool = False


class _Failure(Exception):
    """A request or an answer that gave no license; ``cacheable`` when definitive."""

    def __init__(self, reason: str, *, cacheable: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cacheable = cacheable
        self.status = status


class _TooLarge(_Failure):
    """An answer larger than the bound it was read with (definitive for that bound)."""

    def __init__(self, reason: str, size: int | None, *, cacheable: bool) -> None:
        super().__init__(reason, cacheable=cacheable)
        self.size = size


@dataclass(frozen=True)
class _Reply:
    body: bytes
    url: str  # after redirects
    content_type: str
    status: int = 200
    content_range: str | None = None


class _RefusedRedirect(urllib.error.URLError):
    pass


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http and https URLs only. The index's credentials (an
    unredirected Authorization header) go along to the same host only, never from https
    to plain http."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise _RefusedRedirect(f"redirect to a {scheme or 'schemeless'} URL refused")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        auth = req.unredirected_hdrs.get("Authorization")
        if new is not None and auth is not None:
            old, target = urlsplit(req.full_url), urlsplit(newurl)
            downgrade = old.scheme.lower() == "https" and scheme != "https"
            if target.netloc.lower() == old.netloc.lower() and not downgrade:
                new.add_unredirected_header("Authorization", auth)
        return new


def _split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without ``user:password@`` and the Basic Authorization header for them."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, f"Basic {token}"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _json(reply: _Reply) -> Any:
    try:
        return json.loads(reply.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Failure(f"malformed answer: not valid JSON ({exc})") from None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _join(items: Sequence[str], operator: str) -> str:
    """Several license strings as one; compound SPDX expressions are parenthesized."""
    return combine(items, operator, unique=False) or ""


# PEP 440, loosely: enough to tell that two spellings name the same exact version.
_VERSION = re.compile(
    r"""^v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)
    (?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d+)?)?
    (?:-(?P<post_n1>\d+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>\d+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$""",
    re.VERBOSE,
)
_PRE = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}


def _norm_version(version: str) -> str:
    text = version.strip().lower()
    m = _VERSION.match(text)
    if m is None:
        return text
    release = [int(p) for p in m["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    out = f"{int(m['epoch'] or 0)}!" + ".".join(map(str, release))
    if m["pre_l"]:
        out += _PRE.get(m["pre_l"], m["pre_l"]) + str(int(m["pre_n"] or 0))
    if m["post_n1"] or m["post_l"]:
        out += ".post" + str(int(m["post_n1"] or m["post_n2"] or 0))
    if m["dev_l"]:
        out += ".dev" + str(int(m["dev_n"] or 0))
    if m["local"]:
        out += "+" + re.sub(r"[-_]", ".", m["local"])
    return out


def _file_version(filename: str, name: str) -> str | None:
    """The normalized version of a distribution file of project ``name`` (normalized),
    or None when the file is of another project or not a wheel or sdist."""
    raw = _file_version_raw(filename, name)
    return None if raw is None else _norm_version(raw)


def _file_version_raw(filename: str, name: str) -> str | None:
    """The version of a distribution file of project ``name`` as its name spells it."""
    lower = filename.lower()
    if lower.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) in (5, 6) and normalize_pypi(parts[0]) == name:
            return parts[1]
        return None
    for ext in (".tar.gz", ".zip", ".tar.bz2", ".tgz"):
        if lower.endswith(ext):
            stem = filename[: -len(ext)]
            for at in range(len(stem)):  # an old sdist's name may hold "-" itself
                rest = stem[at + 1 :]
                if (
                    stem[at] == "-"
                    and normalize_pypi(stem[:at]) == name
                    and _VERSION.match(rest.lower())
                ):
                    return rest
    return None


class _Anchors(HTMLParser):
    """The links of a PEP 503 simple page: (href, text, attributes)."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[tuple[str, str, dict[str, str | None]]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "base" and found.get("href"):
            self.base = urljoin(self.base, found["href"] or "")
        elif tag == "a" and found.get("href"):
            self._open, self._text = (found["href"] or "", found), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            href, found = self._open
            self.links.append((href, "".join(self._text).strip(), found))
            self._open = None


def _has_metadata(value: Any) -> bool:
    """Whether a PEP 714 ``core-metadata`` value (JSON) or attribute (HTML) offers it."""
    if isinstance(value, str):
        return value.strip().lower() != "false"
    return bool(value)


@dataclass(frozen=True)
class _File:
    """A file of a simple page."""

    filename: str
    url: str  # absolute
    offered: bool  # its core metadata is advertised (PEP 658/714)
    yanked: bool = False  # PEP 592
    requires_python: str | None = None  # PEP 503's data-requires-python

    @property
    def wheel(self) -> bool:
        return self.filename.lower().endswith(".whl")


def _simple_files(reply: _Reply) -> list[_File]:
    """Each file of a simple page (PEP 691 JSON or PEP 503 HTML)."""
    files: list[_File] = []
    if "json" in reply.content_type:
        data = _json(reply)
        entries = data.get("files") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise _Failure("malformed answer: the simple page has no files list")
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            filename, url = entry.get("filename"), entry.get("url")
            if not isinstance(filename, str) or not isinstance(url, str):
                continue
            offered = entry.get("core-metadata", entry.get("dist-info-metadata"))
            yanked = entry.get("yanked", False)
            files.append(
                _File(
                    filename,
                    urljoin(reply.url, url),
                    _has_metadata(offered),
                    yanked is not False and yanked is not None,
                    _text(entry.get("requires-python")),
                )
            )
        return files
    parser = _Anchors(reply.url)
    try:
        parser.feed(reply.body.decode("utf-8", errors="replace"))
        parser.close()
    except Exception as exc:  # HTMLParser is lenient; this is only a guard
        raise _Failure(f"malformed answer: not a simple page ({exc})") from None
    for href, text, attrs in parser.links:
        url = urljoin(parser.base, href)
        filename = text or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        offered = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        has = offered is not None and _has_metadata(offered)
        files.append(
            _File(
                filename, url, has, "data-yanked" in attrs, _text(attrs.get("data-requires-python"))
            )
        )
    return files


def _from_metadata(headers: Message, url: str) -> Answer:
    expression = _text(headers.get("License-Expression"))
    if expression:
        return Answer(expression, "License-Expression", url)
    declared = _text(headers.get("License"))
    if declared and declared.upper() != "UNKNOWN":
        return Answer(declared, "License", url)
    classifiers = [
        c.strip() for c in headers.get_all("Classifier") or [] if c.strip().startswith("License ::")
    ]
    if classifiers:
        return Answer(CLASSIFIERS_JOINED.join(classifiers), "classifiers", url)
    raise _Failure(_NO_LICENSE, cacheable=True)


def _wheel_preference(f: _File) -> tuple[bool, bool]:
    """Wheels not yanked first, then pure-Python ones (all carry the same METADATA)."""
    return f.yanked, not f.filename.lower().endswith("-none-any.whl")


def _content_range(value: str | None) -> tuple[int, int, int] | None:
    """``Content-Range: bytes first-last/size`` as numbers."""
    match = _CONTENT_RANGE.fullmatch((value or "").strip())
    if match is None:
        return None
    first, last, size = (int(g) for g in match.groups())
    return (first, last, size) if first <= last < size else None


class _RangeFile(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests: what :mod:`zipfile` needs to
    read one member of a remote archive. Spans already fetched are served from memory;
    a new read fetches at least :attr:`CHUNK` bytes, and no more than ``budget`` bytes
    are fetched in all."""

    CHUNK = 64 * 1024

    def __init__(self, fetch: Callable[[int, int], bytes], size: int, budget: int) -> None:
        super().__init__()
        self._fetch = fetch
        self._size = size
        self._budget = budget
        self._pos = 0
        self._spans: list[tuple[int, bytes]] = []

    def add(self, start: int, data: bytes) -> None:
        self._spans.append((start, data))

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._size - self._pos)
        if want <= 0:
            return 0
        data = self._span(self._pos, want)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _span(self, start: int, length: int) -> bytes:
        for begin, data in self._spans:
            if begin <= start and start + length <= begin + len(data):
                return data[start - begin : start - begin + length]
        end = min(self._size, start + max(length, self.CHUNK))
        if end - start > self._budget:
            raise _Failure(
                f"reading it would take more than {WHEEL_RANGE_BUDGET} bytes of range requests",
                cacheable=True,
            )
        data = self._fetch(start, end - 1)
        self._budget -= len(data)
        self._spans.append((start, data))
        return data[:length]


def _npm_answer(data: dict[str, Any], shown: str) -> Answer:
    """The license of an npm version document."""
    declared = data.get("license")
    if isinstance(declared, list):  # some old packages put the list here
        data = {"licenses": declared}
    else:
        found = _npm_license(declared)
        if found:
            return Answer(found, "license", shown)
    several = data.get("licenses")
    if isinstance(several, dict):
        several = [several]
    names = [n for n in map(_npm_license, several if isinstance(several, list) else []) if n]
    if names:
        return Answer(_join(names, "OR"), "licenses", shown)
    raise _Failure(_NO_LICENSE, cacheable=True)


def _value_of(answer: Answer) -> dict[str, Any]:
    return {
        "license": answer.license,
        "field": answer.field,
        "url": answer.url,
        "error": answer.error,
    }


def _answer_of(value: dict[str, Any]) -> Answer:
    lic, fld = value.get("license"), value.get("field")
    return Answer(
        lic if isinstance(lic, str) else None,
        fld if isinstance(fld, str) else "",
        value.get("url") or "",
        value.get("error"),
        cached=True,
    )


def _choice_of(value: dict[str, Any]) -> Choice:
    version = value.get("version")
    return Choice(
        version if isinstance(version, str) else None,
        value.get("url") or "",
        value.get("error"),
        cached=True,
    )


def _requires_value(value: Requires) -> dict[str, Any]:
    return {
        "requires": list(value.requires),
        "requires_python": value.requires_python,
        "npm": [list(p) for p in value.npm],
        "url": value.url,
        "error": value.error,
    }


def _requires_of(value: dict[str, Any]) -> Requires:
    listed = value.get("requires")
    pairs = value.get("npm")
    python = value.get("requires_python")
    return Requires(
        tuple(i for i in listed if isinstance(i, str)) if isinstance(listed, list) else (),
        python if isinstance(python, str) else None,
        value.get("url") or "",
        value.get("error"),
        bool(value.get("cached")),
        tuple(
            (p[0], p[1])
            for p in (pairs if isinstance(pairs, list) else [])
            if isinstance(p, list) and len(p) == 2 and all(isinstance(i, str) for i in p)
        ),
    )


def _releases_value(value: Releases) -> dict[str, Any]:
    return {
        "versions": [
            [r.version, r.yanked, r.requires_python, r.installable] for r in value.versions
        ],
        "url": value.url,
        "error": value.error,
    }


def _releases_of(value: dict[str, Any]) -> Releases:
    rows = value.get("versions")
    found = [
        Release(r[0], bool(r[1]), r[2] if isinstance(r[2], str) else None, bool(r[3]))
        for r in (rows if isinstance(rows, list) else [])
        if isinstance(r, list) and len(r) == 4 and isinstance(r[0], str)
    ]
    return Releases(
        tuple(found), value.get("url") or "", value.get("error"), bool(value.get("cached"))
    )


_NPM_OPERATOR_SPACE = re.compile(r"(<=|>=|<|>|=|~|\^)\s+(?=[0-9vx*])")


def npm_spec(text: str) -> Any:
    """``semantic_version.NpmSpec`` of an npm range; a space after an operator
    (``>= 2.1.2 < 3``, which npm accepts) is dropped first. Raises ValueError."""
    import semantic_version

    return semantic_version.NpmSpec(_NPM_OPERATOR_SPACE.sub(r"\1", text.strip()))


def _utc(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))


def _duration(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day" + ("s" if days != 1 else "")
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"


def _npm_license(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("type")
    return _text(value)


# -- the lookups -----------------------------------------------------------------------------


class OnlineLookup:
    """Asks the registries of :class:`Registries` for the licenses of exact versions."""

    def __init__(
        self,
        registries: Registries,
        *,
        cache: DetectionCache | None = None,
        timeout: float = 10.0,
        ttl_seconds: float = 7 * 86400,
        workers: int = 8,
        user_agent: str = "licensetier",
        max_bytes: int = MAX_ANSWER_BYTES,
        offline: bool = False,
        failure_ttl_seconds: float = FAILURE_TTL_SECONDS,
    ) -> None:
        self.registries = registries
        self.offline = offline  # answers from the cache only; nothing is asked
        self.failure_ttl_seconds = failure_ttl_seconds
        self.cache = cache
        self.timeout = timeout
        self.ttl_seconds = ttl_seconds
        self.workers = max(1, workers)
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self._opener = urllib.request.build_opener(_HttpOnlyRedirects())
        self._lock = threading.Lock()
        self._rate_limited: set[str] = set()
        self._unreachable: dict[str, str] = {}
        self._timeouts: dict[str, int] = {}
        self._credentials: dict[str, tuple[str, str]] = {}  # host: (scheme, header)
        self._pages: dict[str, _Reply] = {}  # simple pages asked in this run
        self._page_locks: dict[str, threading.Lock] = {}
        self._page_failures: dict[str, _Failure] = {}  # pages that failed in this run
        # answers learnt on the way (an npm package document holds its versions')
        self._primed: dict[tuple[Ecosystem, str, str], Answer] = {}
        self._tags: frozenset[Any] | None = None  # this interpreter's wheel tags

    def lookup_many(
        self, wanted: Sequence[tuple[Ecosystem, str, str]]
    ) -> dict[tuple[Ecosystem, str, str], Answer]:
        """An :class:`Answer` for each (ecosystem, full name, exact version); never raises.

        Offline, only cached answers: those of the registry given, else the last answer
        any registry gave for that version."""
        answers: dict[tuple[Ecosystem, str, str], Answer] = {}
        todo: list[tuple[tuple[Ecosystem, str, str], list[str], str, str]] = []
        for item in dict.fromkeys(wanted):
            try:
                kind, base = self._source(item[0])
                keys = self._keys(base, item[0], item[1], item[2])
                hit = self._cached(CACHE_NAMESPACE, keys)
                if hit is not None:
                    answers[item] = _answer_of(hit)
                elif self.offline:
                    answers[item] = Answer(None, "", "", OFFLINE)
                elif base is None:
                    answers[item] = Answer(
                        None, "", "", f"no online source for {item[0].value} packages"
                    )
                elif item in self._primed:
                    answers[item] = self._primed[item]
                    self._store(CACHE_NAMESPACE, keys, _value_of(answers[item]), answers[item])
                else:
                    todo.append((item, keys, kind, base))
            except Exception as exc:  # a bug must not stop the scan
                answers[item] = Answer(None, "", "", f"internal error: {exc!r}")
        if not todo:
            return answers
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            futures = [
                (item, keys, pool.submit(self._lookup, kind, base, *item))
                for item, keys, kind, base in todo
            ]
            for item, keys, future in futures:
                try:
                    answer, cacheable = future.result()
                except Exception as exc:
                    answer, cacheable = Answer(None, "", "", f"internal error: {exc!r}"), False
                answers[item] = answer
                if cacheable:
                    self._store(CACHE_NAMESPACE, keys, _value_of(answer), answer)
        return answers

    def choose_many(
        self, wanted: Sequence[tuple[Ecosystem, str, str]]
    ) -> dict[tuple[Ecosystem, str, str], Choice]:
        """A :class:`Choice` for each (ecosystem, full name, range) of Python and npm
        packages (the range as written; empty for any version); never raises. Chosen
        versions are cached for :data:`RANGE_TTL_SECONDS`."""
        choices: dict[tuple[Ecosystem, str, str], Choice] = {}
        todo: list[tuple[tuple[Ecosystem, str, str], list[str], str, str]] = []
        for item in dict.fromkeys(wanted):
            try:
                kind, base = self._source(item[0])
                keys = self._keys(base, item[0], item[1], item[2])
                hit = self._cached(RANGE_NAMESPACE, keys)
                if hit is not None:
                    choices[item] = _choice_of(hit)
                elif self.offline:
                    choices[item] = Choice(None, "", OFFLINE)
                elif base is None or kind not in ("pypi", "npm"):
                    choices[item] = Choice(
                        None, "", f"no registry to choose a {item[0].value} version from"
                    )
                else:
                    todo.append((item, keys, kind, base))
            except Exception as exc:  # a bug must not stop the scan
                choices[item] = Choice(None, "", f"internal error: {exc!r}")
        if not todo:
            return choices
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            futures = [
                (item, keys, pool.submit(self._choose, kind, base, item[1], item[2]))
                for item, keys, kind, base in todo
            ]
            for item, keys, future in futures:
                try:
                    choice, cacheable = future.result()
                except Exception as exc:
                    choice, cacheable = Choice(None, "", f"internal error: {exc!r}"), False
                choices[item] = choice
                if cacheable:
                    value = {"version": choice.version, "url": choice.url, "error": choice.error}
                    self._store(RANGE_NAMESPACE, keys, value, choice, RANGE_TTL_SECONDS)
        return choices

    def requires_many(
        self, wanted: Sequence[tuple[Ecosystem, str, str]]
    ) -> dict[tuple[Ecosystem, str, str], Requires]:
        """What each (ecosystem, name, exact version) of Python and npm requires; never
        raises. Read from the same core metadata (Python) or package document (npm) as
        its license, whose answer is kept for :meth:`lookup_many`; cached under
        :data:`REQUIRES_NAMESPACE` like answers (offline: the cache only)."""

        def ask(kind: str, base: str, item: tuple[Ecosystem, str, str]) -> Requires:
            asked: list[str] = [""]
            if kind == "pypi":
                return self._pypi_requires(base, item[1], item[2], asked)
            return self._npm_requires(base, item[1], item[2], asked)

        return self._many(REQUIRES_NAMESPACE, wanted, ask, _requires_of, _requires_value)

    def releases_many(self, names: Sequence[str]) -> dict[str, Releases]:
        """The versions the Python index lists for each project; never raises. Cached
        under :data:`RELEASES_NAMESPACE` for :data:`RANGE_TTL_SECONDS`."""
        wanted = [(Ecosystem.PYPI, n, "") for n in names]

        def ask(kind: str, base: str, item: tuple[Ecosystem, str, str]) -> Releases:
            return self._pypi_releases(base, item[1], [""])

        got = self._many(
            RELEASES_NAMESPACE, wanted, ask, _releases_of, _releases_value, RANGE_TTL_SECONDS
        )
        return {item[1]: value for item, value in got.items()}

    def _many(
        self,
        namespace: str,
        wanted: Sequence[tuple[Ecosystem, str, str]],
        ask: Callable[[str, str, tuple[Ecosystem, str, str]], Any],
        read: Callable[[dict[str, Any]], Any],
        write: Callable[[Any], dict[str, Any]],
        ttl: float | None = None,
    ) -> dict[tuple[Ecosystem, str, str], Any]:
        """The cache, then ``ask`` (``_Failure`` becomes an answer with its reason),
        several at once; Python and npm registries only."""
        out: dict[tuple[Ecosystem, str, str], Any] = {}
        todo: list[tuple[tuple[Ecosystem, str, str], list[str], str, str]] = []
        empty = read({"error": None, "url": ""})
        for item in dict.fromkeys(wanted):
            try:
                kind, base = self._source(item[0])
                keys = self._keys(base, item[0], item[1], item[2])
                hit = self._cached(namespace, keys)
                if hit is not None:
                    out[item] = read({**hit, "cached": True})
                elif self.offline:
                    out[item] = replace(empty, error=OFFLINE)
                elif base is None or kind not in ("pypi", "npm"):
                    out[item] = replace(empty, error=f"no registry for {item[0].value} packages")
                else:
                    todo.append((item, keys, kind, base))
            except Exception as exc:  # a bug must not stop the scan
                out[item] = replace(empty, error=f"internal error: {exc!r}")

        def run(kind: str, base: str, item: tuple[Ecosystem, str, str]) -> tuple[Any, bool]:
            try:
                return ask(kind, base, item), True
            except _Failure as failure:
                return replace(empty, error=failure.reason), failure.cacheable

        if not todo:
            return out
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            futures = [
                (item, keys, pool.submit(run, kind, base, item)) for item, keys, kind, base in todo
            ]
            for item, keys, future in futures:
                try:
                    value, cacheable = future.result()
                except Exception as exc:
                    value, cacheable = replace(empty, error=f"internal error: {exc!r}"), False
                out[item] = value
                if cacheable:
                    self._store(namespace, keys, write(value), value, ttl)
        return out

    # -- cache -----------------------------------------------------------------------------

    def _keys(self, base: str | None, ecosystem: Ecosystem, name: str, what: str) -> list[str]:
        """The cache keys of a lookup: the registry's own, then (read offline, written
        for answers) any registry's."""
        tail = f"{ecosystem.value}|{package_key(ecosystem, name)}|{what}"
        keys = [f"{_redact(base)}|{tail}"] if base is not None else []
        if self.offline or keys:
            keys.append(f"*|{tail}")
        return keys

    def _cached(self, namespace: str, keys: Sequence[str]) -> dict[str, Any] | None:
        """The first cached value: online, of the registry's own key; offline, of any
        registry's too. A registry's own key may hold a failure, the other only answers."""
        if self.cache is None:
            return None
        registry_only = [k for k in keys if not k.startswith("*|")]
        for key in keys if self.offline else registry_only:
            value = self.cache.get_value(namespace, key)
            if not isinstance(value, dict) or not all(
                isinstance(value.get(k), (str, type(None))) for k in ("error", "url")
            ):
                continue
            if value.get("error") is not None:
                ttl = value.get("ttl")
                when = value.get("at")
                value = dict(value)
                value["error"] = (
                    f"{value['error']} [a failure cached by a lookup"
                    + (f" at {_utc(when)}" if isinstance(when, (int, float)) else "")
                    + (
                        f"; asked again after {_duration(ttl)}"
                        if isinstance(ttl, (int, float))
                        else ""
                    )
                    + "]"
                )
            return value
        return None

    def _store(
        self,
        namespace: str,
        keys: Sequence[str],
        value: dict[str, Any],
        answer: Answer | Choice,
        ttl: float | None = None,
    ) -> None:
        """An answer under every key for ``ttl`` (else :attr:`ttl_seconds`); a failure
        under the registry's own key only, for :attr:`failure_ttl_seconds`."""
        if self.cache is None or not keys:
            return
        if answer.error is not None:
            failure = {**value, "at": time.time(), "ttl": self.failure_ttl_seconds}
            if len(keys) > 1:  # the registry's own key; never the any-registry one
                self.cache.put_value(namespace, keys[0], failure, self.failure_ttl_seconds)
            return
        for key in keys:
            self.cache.put_value(namespace, key, value, ttl or self.ttl_seconds)

    # -- dispatch --------------------------------------------------------------------------

    def _source(self, ecosystem: Ecosystem) -> tuple[str, str | None]:
        """Which kind of source answers for this ecosystem and its base URL (None: none)."""
        if ecosystem is Ecosystem.PYPI and self.registries.pypi_index:
            return "pypi", self.registries.pypi_index
        if ecosystem is Ecosystem.NPM and self.registries.npm_registry:
            return "npm", self.registries.npm_registry
        if ecosystem in _DEPS_DEV_SYSTEMS and self.registries.deps_dev:
            return "deps.dev", self.registries.deps_dev
        return "", None

    def _lookup(
        self, kind: str, base: str, ecosystem: Ecosystem, name: str, version: str
    ) -> tuple[Answer, bool]:
        """The answer and whether it may be cached."""
        asked: list[str] = [""]
        try:
            if kind == "pypi":
                return self._pypi(base, name, version, asked), True
            if kind == "npm":
                return self._npm(base, name, version, asked), True
            return self._deps_dev(base, ecosystem, name, version, asked), True
        except _Failure as failure:
            return Answer(None, "", _redact(asked[-1]), failure.reason), failure.cacheable

    # -- HTTP ------------------------------------------------------------------------------

    def _get(
        self,
        url: str,
        accept: str,
        asked: list[str],
        *,
        headers: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> _Reply:
        """One GET; ``limit``: read no more than that many bytes (else :class:`_TooLarge`)."""
        asked.append(url)
        try:
            clean, auth = _split_credentials(url)
            parts = urlsplit(clean)
            host = parts.netloc.lower()
        except ValueError as exc:
            raise _Failure(f"not a valid URL: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise _Failure(f"{_redact(url)} is not an http or https URL; not asked")
        with self._lock:
            # Credentials given in an index URL go to every URL of that host (the files of
            # an index are often on its host too), as pip does; never from https to http.
            if auth is not None:
                self._credentials[host] = (scheme, auth)
            elif host in self._credentials:
                learned, known = self._credentials[host]
                if scheme == "https" or learned == "http":
                    auth = known
            if host in self._rate_limited:
                raise _Failure("rate limited earlier in this run")
            if host in self._unreachable:
                raise _Failure(f"{self._unreachable[host]} earlier in this run; not asked again")
        try:
            request = urllib.request.Request(
                clean, headers={"Accept": accept, "User-Agent": self.user_agent, **(headers or {})}
            )
            if auth is not None:
                request.add_unredirected_header("Authorization", auth)  # see the redirects
            with self._opener.open(request, timeout=self.timeout) as response:
                return _Reply(
                    self._read(response, limit),
                    response.geturl(),
                    response.headers.get_content_type(),
                    response.status,
                    response.headers.get("Content-Range"),
                )
        except urllib.error.HTTPError as exc:
            exc.close()
            if 300 <= exc.code < 400:
                location = exc.headers.get("Location") if exc.headers is not None else None
                target = urljoin(clean, location or "")
                scheme = urlsplit(target).scheme.lower()
                if scheme not in ("http", "https"):
                    raise _Failure(f"redirect to a {scheme or 'schemeless'} URL refused") from None
                raise _Failure(f"redirect not followed (HTTP {exc.code})") from None
            raise self._http_failure(exc.code, host) from None
        except _RefusedRedirect as exc:
            raise _Failure(str(exc.reason)) from None
        except urllib.error.URLError as exc:
            raise self._connection_failure(exc.reason, host) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise self._connection_failure(exc, host) from None

    def _read(self, response: Any, limit: int | None = None) -> bytes:
        bound = self.max_bytes if limit is None else min(limit, self.max_bytes)
        length = response.headers.get("Content-Length")
        if length and length.strip().isdigit() and int(length) > bound:
            raise _TooLarge(
                f"answer of {int(length)} bytes is larger than {bound}",
                int(length),
                cacheable=limit is not None,
            )
        budget = max(30.0, 3 * self.timeout)
        deadline = time.monotonic() + budget
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = response.read(64 * 1024)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > bound:
                raise _TooLarge(
                    f"answer larger than {bound} bytes; not read", None, cacheable=limit is not None
                )
            if time.monotonic() > deadline:
                raise _Failure(f"timed out reading the answer after {_seconds(budget)}")
            chunks.append(chunk)

    def _http_failure(self, status: int, host: str) -> _Failure:
        if status in (404, 410):
            return _Failure(f"HTTP {status}: not found", cacheable=True, status=status)
        if status == 429:
            with self._lock:
                self._rate_limited.add(host)
            return _Failure("rate limited (HTTP 429)", status=status)
        if 500 <= status < 600:
            return _Failure(f"server error (HTTP {status})", status=status)
        if status in (401, 403):
            return _Failure(f"HTTP {status}: access denied", status=status)
        reason = http.client.responses.get(status, "unexpected answer")
        return _Failure(f"HTTP {status}: {reason.lower()}", status=status)

    def _connection_failure(self, reason: object, host: str) -> _Failure:
        if isinstance(reason, (TimeoutError, socket.timeout)):
            message = f"timed out after {_seconds(self.timeout)}"
            with self._lock:
                self._timeouts[host] = self._timeouts.get(host, 0) + 1
                if self._timeouts[host] >= TIMEOUTS_PER_HOST:
                    self._unreachable.setdefault(host, f"timed out {TIMEOUTS_PER_HOST} times")
            return _Failure(message)
        if isinstance(reason, ConnectionRefusedError):
            with self._lock:
                self._unreachable.setdefault(host, "connection refused")
            return _Failure("connection refused")
        if isinstance(reason, socket.gaierror):
            message = f"host not found ({reason.strerror or reason})"
            with self._lock:
                self._unreachable.setdefault(host, message)
            return _Failure(message)
        if isinstance(reason, ssl.SSLError):
            return _Failure(f"TLS error: {reason.reason or reason}")
        if isinstance(reason, ConnectionError):
            return _Failure(f"connection failed: {reason.strerror or type(reason).__name__}")
        if isinstance(reason, http.client.HTTPException):
            return _Failure(f"bad HTTP answer: {type(reason).__name__} {reason}".strip())
        if isinstance(reason, ValueError):
            return _Failure(f"not a valid URL: {reason}")
        if isinstance(reason, OSError):
            return _Failure(f"connection failed: {reason.strerror or reason}")
        return _Failure(f"connection failed: {reason}")

    # -- Python index ----------------------------------------------------------------------

    def _pypi(self, index: str, name: str, version: str, asked: list[str]) -> Answer:
        base = index.rstrip("/")
        if urlsplit(base).scheme.lower() not in ("http", "https"):
            raise _Failure(f"the index {_redact(index)} is not an http or https URL; not asked")
        path = urlsplit(base).path
        if path == "/simple" or path.endswith("/simple"):
            api = (
                f"{base[: -len('/simple')]}/pypi/{quote(name, safe='')}/"
                f"{quote(version, safe='')}/json"
            )
            try:
                answer = self._pypi_json(api, version, asked)
            except _Failure as failure:
                if failure.status not in (404, 410) and not failure.reason.startswith(
                    "malformed answer"
                ):
                    raise
            else:
                if answer is not None:
                    return answer
        return self._pypi_simple(base, name, version, asked)

    def _pypi_json(self, url: str, version: str, asked: list[str]) -> Answer | None:
        """The JSON API's answer; None when it describes another version."""
        reply = self._get(url, _JSON_ACCEPT, asked)
        data = _json(reply)
        info = data.get("info") if isinstance(data, dict) else None
        if not isinstance(info, dict):
            raise _Failure("malformed answer: no info object")
        said = info.get("version")
        if isinstance(said, str) and _norm_version(said) != _norm_version(version):
            return None  # a server that ignores the version in the path
        shown = _redact(url)
        expression = _text(info.get("license_expression"))
        if expression:
            return Answer(expression, "license_expression", shown)
        declared = _text(info.get("license"))
        if declared and declared.upper() != "UNKNOWN":
            return Answer(declared, "license", shown)
        classifiers = info.get("classifiers")
        found = [
            c.strip()
            for c in (classifiers if isinstance(classifiers, list) else [])
            if isinstance(c, str) and c.strip().startswith("License ::")
        ]
        if found:
            return Answer(CLASSIFIERS_JOINED.join(found), "classifiers", shown)
        raise _Failure(_NO_LICENSE, cacheable=True)

    def _simple_page(self, base: str, project: str, asked: list[str]) -> _Reply:
        """The simple page of a project, asked once per run."""
        return self._once(f"{base}/{quote(project, safe='')}/", _SIMPLE_ACCEPT, asked)

    def _once(self, url: str, accept: str, asked: list[str]) -> _Reply:
        """A page asked once per run (a project's page answers for all its versions)."""
        with self._lock:
            one = self._page_locks.setdefault(url, threading.Lock())
        with one:  # the lookups of two versions of a project run at once: one asks
            known = self._pages.get(url)
            failed = self._page_failures.get(url)
            if failed is not None:  # asked again (a closure, then a range): the same answer
                asked.append(url)
                raise failed
            if known is None:
                try:
                    known = self._pages[url] = self._get(url, accept, asked)
                except _Failure as failure:
                    self._page_failures[url] = failure
                    raise
            else:
                asked.append(url)
            return known

    def _pypi_simple(self, base: str, name: str, version: str, asked: list[str]) -> Answer:
        """The license in the core metadata of that version (:meth:`_core_metadata`)."""
        return _from_metadata(*self._core_metadata(base, name, version, asked))

    def _core_metadata(
        self, base: str, name: str, version: str, asked: list[str]
    ) -> tuple[Message, str]:
        """The core metadata of one file of that version, by the first way that answers:
        its ``.metadata`` file (advertised or not), a wheel's ``.dist-info/METADATA``
        through range requests, an sdist's ``PKG-INFO`` within :data:`SDIST_MAX_BYTES`;
        and where it was read."""
        project = normalize_pypi(name)
        reply = self._simple_page(base, project, asked)
        wanted = _norm_version(version)
        files = [f for f in _simple_files(reply) if _file_version(f.filename, project) == wanted]
        if not files:
            raise _Failure(f"version {version} is not on the index", cacheable=True)
        wheels = sorted((f for f in files if f.wheel), key=_wheel_preference)
        sdists = [f for f in files if not f.wheel]
        steps: list[tuple[str, _File]] = [
            ("metadata", f) for f in sorted(files, key=lambda f: not f.wheel) if f.offered
        ][:2]
        for chosen, way in ((wheels[:1], "wheel"), (sdists[:1], "sdist")):
            for f in chosen:
                if not f.offered:
                    steps.append(("metadata", f))
                steps.append((way, f))
        failed: list[str] = []
        transient = False
        for way, f in steps:
            try:
                if way == "metadata":
                    meta_url = f.url.split("#", 1)[0] + ".metadata"  # as pip does
                    body = self._get(meta_url, "*/*", asked, limit=MAX_METADATA_BYTES).body
                    where = _redact(meta_url)
                elif way == "wheel":
                    body, member = self._wheel_metadata(f.url.split("#", 1)[0], asked)
                    where = f"{_redact(f.url.split('#', 1)[0])} ({member})"
                else:
                    body, member = self._sdist_pkg_info(f, asked)
                    where = f"{_redact(f.url.split('#', 1)[0])} ({member})"
            except _Failure as failure:
                transient = transient or not failure.cacheable
                label = {"metadata": ".metadata", "wheel": "wheel", "sdist": "sdist"}[way]
                failed.append(f"{f.filename} {label}: {failure.reason}")
                continue
            return HeaderParser().parsestr(body.decode("utf-8", errors="replace")), where
        raise _Failure(
            "no core metadata found (" + "; ".join(failed) + ")", cacheable=not transient
        )

    def _wheel_metadata(self, url: str, asked: list[str]) -> tuple[bytes, str]:
        """A wheel's ``.dist-info/METADATA``: the zip's end through a suffix range request,
        its central directory and then only that member, within
        :data:`WHEEL_RANGE_BUDGET`. A server that ignores ranges answers with the whole
        wheel, read only up to :data:`WHEEL_WHOLE_BYTES`."""
        try:
            first = self._get(
                url,
                "*/*",
                asked,
                headers={"Range": f"bytes=-{WHEEL_TAIL_BYTES}"},
                limit=max(WHEEL_TAIL_BYTES, WHEEL_WHOLE_BYTES),
            )
        except _TooLarge as exc:
            size = f" of {exc.size} bytes" if exc.size else ""
            raise _Failure(
                f"the server ignores range requests and the wheel{size} is larger than "
                f"{WHEEL_WHOLE_BYTES} bytes; not downloaded",
                cacheable=True,
            ) from None
        archive_file: IO[bytes]
        if first.status == 206:
            span = _content_range(first.content_range)
            if span is None or span[1] - span[0] + 1 != len(first.body):
                raise _Failure(f"malformed range answer (Content-Range {first.content_range!r})")

            def fetch(begin: int, end: int) -> bytes:
                got = self._get(
                    url,
                    "*/*",
                    asked,
                    headers={"Range": f"bytes={begin}-{end}"},
                    limit=end - begin + 1,
                )
                seen = _content_range(got.content_range)
                if got.status != 206 or seen is None or seen[0] != begin:
                    raise _Failure("the server stopped answering range requests")
                if len(got.body) != end - begin + 1:
                    raise _Failure("malformed range answer (wrong length)")
                return got.body

            ranged = _RangeFile(fetch, span[2], WHEEL_RANGE_BUDGET)
            ranged.add(span[0], first.body)
            archive_file = cast(IO[bytes], ranged)
        else:
            archive_file = io.BytesIO(first.body)
        try:
            with zipfile.ZipFile(archive_file) as archive:
                found = [i for i in archive.infolist() if _WHEEL_METADATA.fullmatch(i.filename)]
                if not found:
                    raise _Failure("the wheel has no .dist-info/METADATA", cacheable=True)
                info = found[0]
                with archive.open(info) as member:  # its headers come first
                    return member.read(MAX_METADATA_BYTES), info.filename
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
            raise _Failure(f"not a readable wheel ({exc})", cacheable=True) from None
        except (OSError, NotImplementedError, ValueError, RuntimeError) as exc:
            raise _Failure(f"not a readable wheel ({exc})") from None

    def _sdist_pkg_info(self, f: _File, asked: list[str]) -> tuple[bytes, str]:
        """An sdist's ``<name>-<version>/PKG-INFO``, if the sdist is at most
        :data:`SDIST_MAX_BYTES` (and unpacks to it within :data:`SDIST_UNPACKED_BYTES`)."""
        url = f.url.split("#", 1)[0]
        try:
            body = self._get(url, "*/*", asked, limit=SDIST_MAX_BYTES).body
        except _TooLarge as exc:
            size = f" of {exc.size} bytes" if exc.size else ""
            raise _Failure(
                f"the sdist{size} is larger than the {SDIST_MAX_BYTES}-byte bound for "
                "reading its PKG-INFO; not downloaded",
                cacheable=True,
            ) from None
        try:
            if f.filename.lower().endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    for info in archive.infolist():
                        if _SDIST_PKG_INFO.fullmatch(info.filename):
                            with archive.open(info) as member:
                                return member.read(MAX_METADATA_BYTES), info.filename
            else:
                with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as tar:
                    for entry in tar:
                        if entry.offset > SDIST_UNPACKED_BYTES:
                            break
                        if entry.isfile() and _SDIST_PKG_INFO.fullmatch(entry.name):
                            extracted = tar.extractfile(entry)
                            if extracted is not None:
                                return extracted.read(MAX_METADATA_BYTES), entry.name
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise _Failure(f"not a readable sdist ({exc})", cacheable=True) from None
        except (NotImplementedError, ValueError, RuntimeError) as exc:
            raise _Failure(f"not a readable sdist ({exc})", cacheable=True) from None
        raise _Failure("the sdist has no readable PKG-INFO", cacheable=True)

    def _pypi_requires(self, index: str, name: str, version: str, asked: list[str]) -> Requires:
        """``Requires-Dist`` and ``Requires-Python`` of that version's core metadata; its
        license answer is kept for :meth:`lookup_many`."""
        base = index.rstrip("/")
        if urlsplit(base).scheme.lower() not in ("http", "https"):
            raise _Failure(f"the index {_redact(index)} is not an http or https URL; not asked")
        headers, where = self._core_metadata(base, name, version, asked)
        try:
            answer = _from_metadata(headers, where)
        except _Failure as failure:
            answer = Answer(None, "", where, failure.reason)
        with self._lock:
            self._primed[(Ecosystem.PYPI, name, version)] = answer
        return Requires(
            tuple(" ".join(str(v).split()) for v in headers.get_all("Requires-Dist") or []),
            _text(headers.get("Requires-Python")),
            where,
        )

    def _pypi_releases(self, index: str, name: str, asked: list[str]) -> Releases:
        """The versions of a project's simple page (asked once per run)."""
        from packaging.tags import sys_tags
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        base = index.rstrip("/")
        if urlsplit(base).scheme.lower() not in ("http", "https"):
            raise _Failure(f"the index {_redact(index)} is not an http or https URL; not asked")
        project = normalize_pypi(name)
        reply = self._simple_page(base, project, asked)
        with self._lock:
            if self._tags is None:
                self._tags = frozenset(sys_tags())
            supported = self._tags
        found: dict[str, Release] = {}
        for f in _simple_files(reply):
            raw = _file_version_raw(f.filename, project)
            if raw is None:
                continue
            installable = not f.wheel
            if f.wheel:
                try:
                    installable = not supported.isdisjoint(parse_wheel_filename(f.filename)[3])
                except (InvalidWheelFilename, ValueError):
                    installable = False
            key = _norm_version(raw)
            seen = found.get(key)
            if seen is None:
                found[key] = Release(raw, f.yanked, f.requires_python, installable)
            else:
                found[key] = Release(
                    seen.version,
                    seen.yanked and f.yanked,
                    seen.requires_python or f.requires_python,
                    seen.installable or installable,
                )
        return Releases(tuple(found.values()), _redact(reply.url))

    # -- npm registry ----------------------------------------------------------------------

    def _npm_requires(self, registry: str, name: str, version: str, asked: list[str]) -> Requires:
        """The ``dependencies`` and ``optionalDependencies`` of that version in the
        package document (asked once per run, as for ranges); not ``devDependencies``
        nor ``peerDependencies``."""
        url = f"{registry.rstrip('/')}/{quote(name, safe='@')}"
        data = _json(self._once(url, _JSON_ACCEPT, asked))
        versions = data.get("versions") if isinstance(data, dict) else None
        if not isinstance(versions, dict):
            raise _Failure("malformed answer: not a package document")
        document = versions.get(version)
        if not isinstance(document, dict):
            raise _Failure(f"version {version} is not in the registry", cacheable=True)
        pairs: dict[str, str] = {}
        for field in ("dependencies", "optionalDependencies"):
            listed = document.get(field)
            if isinstance(listed, dict):
                for dep, spec in listed.items():
                    if isinstance(dep, str) and isinstance(spec, str):
                        pairs.setdefault(dep, spec)
        return Requires(url=_redact(url), npm=tuple(pairs.items()))

    def _npm(self, registry: str, name: str, version: str, asked: list[str]) -> Answer:
        url = f"{registry.rstrip('/')}/{quote(name, safe='@')}/{quote(version, safe='')}"
        data = _json(self._get(url, _JSON_ACCEPT, asked))
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise _Failure("malformed answer: not a version document")
        return _npm_answer(data, _redact(url))

    # -- ranges ----------------------------------------------------------------------------

    def _choose(self, kind: str, base: str, name: str, spec: str) -> tuple[Choice, bool]:
        """The version chosen for a range and whether that may be cached."""
        asked: list[str] = [""]
        try:
            if kind == "pypi":
                return self._pypi_choose(base, name, spec, asked), True
            return self._npm_choose(base, name, spec, asked), True
        except _Failure as failure:
            return Choice(None, _redact(asked[-1]), failure.reason), failure.cacheable

    def _pypi_choose(self, index: str, name: str, spec: str, asked: list[str]) -> Choice:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        base = index.rstrip("/")
        if urlsplit(base).scheme.lower() not in ("http", "https"):
            raise _Failure(f"the index {_redact(index)} is not an http or https URL; not asked")
        try:
            wanted = SpecifierSet(spec)
        except InvalidSpecifier:
            raise _Failure(
                f"{spec!r} is not a version range packaging reads", cacheable=True
            ) from None
        project = normalize_pypi(name)
        reply = self._simple_page(base, project, asked)
        releases: dict[Version, tuple[str, bool]] = {}  # version: (as spelled, all yanked)
        for f in _simple_files(reply):
            raw = _file_version_raw(f.filename, project)
            try:
                parsed = Version(raw) if raw is not None else None
            except InvalidVersion:
                continue
            if parsed is None:
                continue
            spelled, yanked = releases.get(parsed, (raw or "", True))
            releases[parsed] = (spelled, yanked and f.yanked)
        pinned = any(s.operator in ("==", "===") and "*" not in s.version for s in wanted)
        pre = bool(wanted.prereleases)  # a specifier names a pre-release
        accepted = [
            v
            for v, (_r, yanked) in releases.items()
            if wanted.contains(v, prereleases=pre) and (pinned or not yanked)
        ]
        shown = _redact(reply.url)
        if not accepted:
            raise _Failure(
                f"none of the {len(releases)} versions on the index satisfies "
                f"{spec or 'any version'} (pre-releases and yanked files left out unless "
                "asked for)",
                cacheable=True,
            )
        best = max(accepted)
        return Choice(releases[best][0], shown)

    def _npm_choose(self, registry: str, name: str, spec: str, asked: list[str]) -> Choice:
        import semantic_version

        url = f"{registry.rstrip('/')}/{quote(name, safe='@')}"
        data = _json(self._once(url, _JSON_ACCEPT, asked))
        versions = data.get("versions") if isinstance(data, dict) else None
        tags = data.get("dist-tags") if isinstance(data, dict) else None
        if not isinstance(versions, dict) or not isinstance(tags, dict):
            raise _Failure("malformed answer: not a package document")
        shown = _redact(url)
        text = spec.strip()
        latest = tags.get("latest")
        chosen: str | None = None
        if text in ("", "*", "x", "latest") or text in tags:
            tagged = tags.get(text or "latest", latest)
            chosen = tagged if isinstance(tagged, str) else None
        else:
            try:
                wanted = npm_spec(text)
            except ValueError:
                raise _Failure(
                    f"{spec!r} is not an npm range this tool reads", cacheable=True
                ) from None
            parsed: dict[Any, str] = {}
            for key in versions:
                try:
                    parsed[semantic_version.Version(key)] = key
                except ValueError:
                    continue
            if isinstance(latest, str) and latest in versions:
                try:  # npm's own choice: the latest tag when the range accepts it
                    if semantic_version.Version(latest) in wanted:
                        chosen = latest
                except ValueError:
                    pass
            if chosen is None:
                best = wanted.select(list(parsed))
                chosen = parsed[best] if best is not None else None
        if chosen is None or not isinstance(versions.get(chosen), dict):
            raise _Failure(
                f"none of the {len(versions)} versions in the registry satisfies {spec or '*'}",
                cacheable=True,
            )
        document = versions[chosen]
        try:
            answer = _npm_answer(document, shown)
        except _Failure as failure:
            answer = Answer(None, "", shown, failure.reason)
        with self._lock:
            self._primed[(Ecosystem.NPM, name, chosen)] = answer
        return Choice(chosen, shown)

    # -- deps.dev --------------------------------------------------------------------------

    def _deps_dev(
        self, base: str, ecosystem: Ecosystem, name: str, version: str, asked: list[str]
    ) -> Answer:
        system = _DEPS_DEV_SYSTEMS[ecosystem]
        if ecosystem is Ecosystem.PYPI:
            name = normalize_pypi(name)
        url = (
            f"{base.rstrip('/')}/systems/{system}/packages/{quote(name, safe='')}"
            f"/versions/{quote(version, safe='')}"
        )
        data = _json(self._get(url, _JSON_ACCEPT, asked))
        if not isinstance(data, dict) or not isinstance(data.get("versionKey"), dict):
            raise _Failure("malformed answer: not a version object")
        licenses = data.get("licenses", [])
        if not isinstance(licenses, list) or not all(isinstance(i, str) for i in licenses):
            raise _Failure("malformed answer: licenses is not a list of strings")
        found = [i.strip() for i in licenses if i.strip()]
        if found:
            return Answer(_join(found, "AND"), "licenses", _redact(url))
        raise _Failure(_NO_LICENSE, cacheable=True)
