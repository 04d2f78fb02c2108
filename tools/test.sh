#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed, N skipped".
# Extra arguments go to `dotnet test` (e.g. --no-build, -c Debug). Exit status is non-zero when a test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
results="$(pwd)/TestResults"
rm -rf "$results"
dotnet test --solution OrtTune.sln -c Release --report-trx --results-directory "$results" "$@"
status=$?
count() { cat "$results"/*.trx 2>/dev/null | grep -o "<UnitTestResult [^>]*outcome=\"$1\"" | wc -l; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(( $(count NotExecuted) + $(count Inconclusive) ))
if [ "$failed" -gt 0 ]; then
  echo "Failed tests:"
  cat "$results"/*.trx | grep -o '<UnitTestResult [^>]*outcome="Failed"' | grep -o 'testName="[^"]*"' | sed 's/^/  /'
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run itself broke (build error, crash, zero tests): count that as a failure so it cannot look green.
  failed=1
  echo "dotnet test exited with status $status without a failed test result (build or runner failure)."
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
