#!/usr/bin/env bash
# Starts Debian's PostgreSQL (installed by .ci/run) and prints the URL of a fresh test database.
# Idempotent: safe to run again on a machine where the cluster is already up.
set -euo pipefail
ver=$(ls /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -1)
[ -n "$ver" ] || { echo "postgresql is not installed" >&2; exit 1; }
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"do \\\$\\\$ begin if not exists (select from pg_roles where rolname='bsn') then create role bsn login password 'bsn' createdb; end if; end \\\$\\\$;\"" >/dev/null
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='bsn_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O bsn bsn_test"
echo "postgres://bsn:bsn@127.0.0.1:5432/bsn_test"
