#!/usr/bin/env bash
# The keys step of action.yml: the cache keys and directories of the two caches, keyed
# on licensetier's version (the action's own pyproject.toml), the runner's system and
# the Python version.
# - pip's download cache: the wheels of licensetier's install (ScanCode and its
#   dependencies), one cache per version; pip still installs them on every run.
# - licensetier's detection cache: saved after every run under a new key (run id and
#   attempt) and restored from the newest of the same version, so that it follows the
#   repository; its entries are keyed by content, ScanCode's and the license data's
#   versions, so a restored cache never answers for what it has not seen.
set -euo pipefail

version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "${GITHUB_ACTION_PATH}/pyproject.toml" | head -n 1)"
[ -n "$version" ] || version=unknown
system="${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}"
prefix="licensetier-${version}-${system}-py${LT_PYTHON:-3}"

cache_dir="${LICENSETIER_CACHE_DIR:-${HOME}/.cache/licensetier}"
pip_dir=""
if [ "${LT_INSTALL:-true}" = "true" ]; then
  pip_dir="$(python -m pip cache dir 2>/dev/null || true)"
fi
[ -n "$pip_dir" ] || pip_dir="${HOME}/.cache/pip"

{
  echo "version=${version}"
  echo "pip-dir=${pip_dir}"
  echo "pip-key=${prefix}-pip"
  echo "cache-dir=${cache_dir}"
  echo "cache-key=${prefix}-detections-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}"
  echo "cache-restore=${prefix}-detections-"
} >> "${GITHUB_OUTPUT:-/dev/null}"
