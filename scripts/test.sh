#!/usr/bin/env bash
# The one test command (README, CI): type-check, lint the OpenAPI contract (redocly.yaml: 0 problems
# allowed beyond .redocly.lint-ignore.yaml), then every *.test.ts under test/, against the real
# MySQL and Redis named by TEST_MYSQL_URL / TEST_REDIS_URL (defaults: root@127.0.0.1:3306, 127.0.0.1:6379).
# Node 20's --test does not expand globs, so the file list is built here; an empty list is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc --noEmit
# No telemetry or update check: the lint must work offline and say only what it found.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint --format=summary openapi.yaml

mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
# Files run one at a time: the worker-resilience suite kills processes and relies on timing-free but
# CPU-hungry recovery, which a 2-core machine serves better serially.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
