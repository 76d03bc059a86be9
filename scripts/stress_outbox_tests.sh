#!/usr/bin/env bash
# Run the outbox concurrency tests N times (default 20) on SQLite and PostgreSQL while two
# CPU burners load both cores, and print one line per run: they must pass every time (no
# test may depend on wall-clock timing or machine load). Needs `make install` and a local
# PostgreSQL (TEST_DATABASE_URL, default the CI one).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
python3 -c 'while 1: pass' & b1=$!
python3 -c 'while 1: pass' & b2=$!
trap 'kill $b1 $b2 2>/dev/null' EXIT
failed=0
for i in $(seq "$runs"); do
    start=$(date +%s)
    .venv/bin/python -m pytest -q -p no:cacheprovider tests/backend/test_outbox_scale.py \
        "tests/backend/test_outbox.py::test_concurrent_workers_never_send_twice" \
        "tests/backend/test_outbox.py::test_messages_left_when_the_lease_runs_out_are_released" \
        > "/tmp/stress_outbox_$i.log" 2>&1
    rc=$?
    [ $rc -eq 0 ] || failed=$((failed + 1))
    echo "run $i: exit $rc, $(( $(date +%s) - start )) s, load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "$failed of $runs runs failed (logs: /tmp/stress_outbox_N.log)"
[ $failed -eq 0 ]
