"""License lookups of one exact package version on the registries this machine uses.

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
  ``<index>/<normalized name>/`` (JSON or HTML), a wheel or sdist of exactly that
  version that offers its core metadata (PEP 658/714), and that ``<file URL>.metadata``:
  ``License-Expression``, ``License``, ``Classifier``.
* npm registry: the document of one version, ``<registry>/<name>/<version>`` (a scoped
  name's ``/`` sent as ``%2F``): ``license`` (a string or ``{"type": ...}``), else
  ``licenses`` (a list of those, joined with `` OR ``: the old field listed alternatives).
* deps.dev: ``<base>/systems/<SYSTEM>/packages/<name>/versions/<version>`` (both
  percent-encoded, so a Maven ``group:artifact`` is sent as ``group%3Aartifact``):
  ``licenses``, the list of SPDX expressions deps.dev found for that version. All of them
  apply, so several are joined with `` AND `` (compound ones parenthesized).

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
:data:`CACHE_NAMESPACE`, keyed by ``registry|ecosystem|name|version``, for ``ttl_seconds``.
Successes and definitive negatives (HTTP 404/410, a version without a license, a version
the index does not list) are cached; transient failures (timeouts, HTTP 5xx and 429,
connection errors, malformed answers) are not.
"""

from __future__ import annotations

import ast
import base64
import http.client
import importlib
import importlib.util
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from licensetier.cache import DetectionCache
from licensetier.deps.base import Ecosystem, normalize_pypi, package_key
from licensetier.deps.python import CLASSIFIERS_JOINED
from licensetier.expressions import combine

#: The deps.dev API (an insights service about open source packages, not a registry).
DEPS_DEV_API = "https://api.deps.dev/v3"
#: The key/value namespace of cached answers; bump the suffix when their format changes.
CACHE_NAMESPACE = "online-license-1"
#: Answers larger than this are not read (a simple page of a huge project is a few MB).
MAX_ANSWER_BYTES = 20 * 1024 * 1024
#: A host that timed out this many times is not asked again in the same run.
TIMEOUTS_PER_HOST = 3

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


class _Failure(Exception):
    """A request or an answer that gave no license; ``cacheable`` when definitive."""

    def __init__(self, reason: str, *, cacheable: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cacheable = cacheable
        self.status = status


@dataclass(frozen=True)
class _Reply:
    body: bytes
    url: str  # after redirects
    content_type: str


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
    lower = filename.lower()
    if lower.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) in (5, 6) and normalize_pypi(parts[0]) == name:
            return _norm_version(parts[1])
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
                    return _norm_version(rest)
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


def _simple_files(reply: _Reply) -> list[tuple[str, str, bool]]:
    """(filename, absolute URL, metadata offered) of each file of a simple page."""
    files: list[tuple[str, str, bool]] = []
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
            files.append((filename, urljoin(reply.url, url), _has_metadata(offered)))
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
        files.append((filename, url, offered is not None and _has_metadata(offered)))
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
    ) -> None:
        self.registries = registries
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

    def lookup_many(
        self, wanted: Sequence[tuple[Ecosystem, str, str]]
    ) -> dict[tuple[Ecosystem, str, str], Answer]:
        """An :class:`Answer` for each (ecosystem, full name, exact version); never raises."""
        answers: dict[tuple[Ecosystem, str, str], Answer] = {}
        todo: list[tuple[tuple[Ecosystem, str, str], str, str, str]] = []
        for item in dict.fromkeys(wanted):
            try:
                kind, base = self._source(item[0])
                if base is None:
                    answers[item] = Answer(
                        None, "", "", f"no online source for {item[0].value} packages"
                    )
                    continue
                key = f"{_redact(base)}|{item[0].value}|{package_key(item[0], item[1])}|{item[2]}"
                hit = self._cached(key)
                if hit is not None:
                    answers[item] = hit
                else:
                    todo.append((item, key, kind, base))
            except Exception as exc:  # a bug must not stop the scan
                answers[item] = Answer(None, "", "", f"internal error: {exc!r}")
        if not todo:
            return answers
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            futures = [
                (item, key, pool.submit(self._lookup, kind, base, *item))
                for item, key, kind, base in todo
            ]
            for item, key, future in futures:
                try:
                    answer, cacheable = future.result()
                except Exception as exc:
                    answer, cacheable = Answer(None, "", "", f"internal error: {exc!r}"), False
                answers[item] = answer
                if cacheable:
                    self._store(key, answer)
        return answers

    # -- cache -----------------------------------------------------------------------------

    def _cached(self, key: str) -> Answer | None:
        if self.cache is None:
            return None
        value = self.cache.get_value(CACHE_NAMESPACE, key)
        if not isinstance(value, dict):
            return None
        lic, fld, url, err = (value.get(k) for k in ("license", "field", "url", "error"))
        if not (
            isinstance(lic, (str, type(None)))
            and isinstance(fld, str)
            and isinstance(url, str)
            and isinstance(err, (str, type(None)))
        ):
            return None
        return Answer(lic, fld, url, err, cached=True)

    def _store(self, key: str, answer: Answer) -> None:
        if self.cache is None:
            return
        value = {"license": answer.license, "field": answer.field, "url": answer.url}
        value["error"] = answer.error
        self.cache.put_value(CACHE_NAMESPACE, key, value, self.ttl_seconds)

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

    def _get(self, url: str, accept: str, asked: list[str]) -> _Reply:
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
                clean, headers={"Accept": accept, "User-Agent": self.user_agent}
            )
            if auth is not None:
                request.add_unredirected_header("Authorization", auth)  # see the redirects
            with self._opener.open(request, timeout=self.timeout) as response:
                return _Reply(
                    self._read(response),
                    response.geturl(),
                    response.headers.get_content_type(),
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

    def _read(self, response: Any) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.strip().isdigit() and int(length) > self.max_bytes:
            raise _Failure(f"answer of {int(length)} bytes is larger than {self.max_bytes}")
        budget = max(30.0, 3 * self.timeout)
        deadline = time.monotonic() + budget
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = response.read(64 * 1024)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > self.max_bytes:
                raise _Failure(f"answer larger than {self.max_bytes} bytes; not read")
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

    def _pypi_simple(self, base: str, name: str, version: str, asked: list[str]) -> Answer:
        project = normalize_pypi(name)
        reply = self._get(f"{base}/{quote(project, safe='')}/", _SIMPLE_ACCEPT, asked)
        wanted = _norm_version(version)
        files = [
            (filename, url, offered)
            for filename, url, offered in _simple_files(reply)
            if _file_version(filename, project) == wanted
        ]
        if not files:
            raise _Failure(f"version {version} is not on the index", cacheable=True)
        offered = [(f, u) for f, u, has in files if has]
        offered.sort(key=lambda item: not item[0].lower().endswith(".whl"))  # wheels first
        if not offered:
            raise _Failure(
                "the index offers no metadata file (PEP 658) for this version", cacheable=True
            )
        last: _Failure | None = None
        for _filename, url in offered[:3]:
            meta_url = url.split("#", 1)[0] + ".metadata"  # as pip does, after any query
            try:
                meta = self._get(meta_url, "*/*", asked)
            except _Failure as failure:
                if failure.status not in (404, 410):
                    raise
                last = failure
                continue
            headers = HeaderParser().parsestr(meta.body.decode("utf-8", errors="replace"))
            return _from_metadata(headers, _redact(meta_url))
        assert last is not None
        raise last

    # -- npm registry ----------------------------------------------------------------------

    def _npm(self, registry: str, name: str, version: str, asked: list[str]) -> Answer:
        url = f"{registry.rstrip('/')}/{quote(name, safe='@')}/{quote(version, safe='')}"
        data = _json(self._get(url, _JSON_ACCEPT, asked))
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise _Failure("malformed answer: not a version document")
        shown = _redact(url)
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
