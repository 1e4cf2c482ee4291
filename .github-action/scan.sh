#!/usr/bin/env bash
# The scan step of action.yml: one licensetier run writes the annotations (stdout),
# the JSON report, the job summary (Markdown) and, on request, the SARIF file; then
# the step's outputs are set from the JSON report, and the step exits with
# licensetier's exit code. Inputs come in LT_* variables (see action.yml).
set -uo pipefail

work="${RUNNER_TEMP:-$(mktemp -d)}/licensetier"
mkdir -p "$work"
report="$work/report.json"
summary="$work/summary.md"

args=(scan "${LT_PATH:-.}" --format github --fail-on "${LT_FAIL_ON:-error}"
      --also "json=$report" --also "markdown=$summary")
[ -n "${LT_KIND:-}" ] && args+=(--kind "$LT_KIND")
[ -n "${LT_TIER:-}" ] && args+=(--tier "$LT_TIER")
[ -n "${LT_LICENSE:-}" ] && args+=(--license "$LT_LICENSE")
[ -n "${LT_DIFF_BASE:-}" ] && args+=(--diff-base "$LT_DIFF_BASE")
[ -n "${LT_BASELINE:-}" ] && args+=(--baseline "$LT_BASELINE")
[ "${LT_OFFLINE:-false}" = "true" ] && args+=(--offline)
sarif_file=""
if [ "${LT_SARIF:-true}" = "true" ]; then
  sarif_file="${LT_SARIF_FILE:-licensetier.sarif}"
  args+=(--also "sarif=$sarif_file")
fi

# the install step's own environment; without it (install: false), licensetier on PATH
venv="${RUNNER_TEMP:-}/licensetier-venv"
if [ -n "${RUNNER_TEMP:-}" ] && [ -x "$venv/bin/licensetier" ]; then
  licensetier=("$venv/bin/licensetier")
  py="$venv/bin/python"
else
  licensetier=(licensetier)
  # the Python that runs licensetier is the one sure to be there
  py="$(command -v python3 || command -v python)"
fi

"${licensetier[@]}" "${args[@]}"
code=$?

if [ -s "$summary" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
{
  echo "exit-code=$code"
  if [ -s "$report" ]; then
    "$py" - "$report" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
new = [f for f in report["findings"] if not f["existing"] and not f["excepted"]]
print(f"errors={sum(1 for f in new if f['severity'] == 'error')}")
print(f"warnings={sum(1 for f in new if f['severity'] == 'warning')}")
print(f"existing={sum(1 for f in report['findings'] if f['existing'])}")
print(f"dependencies={report['summary']['dependencies']}")
PY
  fi
  if [ -n "$sarif_file" ] && [ -s "$sarif_file" ]; then
    echo "sarif-file=$sarif_file"
  else
    echo "sarif-file="
  fi
} >> "${GITHUB_OUTPUT:-/dev/null}"
exit "$code"
