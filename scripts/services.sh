#!/usr/bin/env bash
# Make sure the services the tests talk to (Redis, PostgreSQL) are running on loopback; start any that is down.
# Exits non-zero (loudly) if one cannot be started: tests must never skip for want of a service.
set -euo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
  fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
fi
redis_up || { echo "FATAL: redis-server is not answering on 127.0.0.1:6379" >&2; exit 1; }
echo "redis: up"

# PostgreSQL: the postgres connector's tests create a throwaway database per test file.
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
    # A fresh Debian cluster wants a password on 127.0.0.1; the tests' throwaway databases need none.
    hba="$(ls -d /etc/postgresql/*/main | sort -V | tail -1)/pg_hba.conf"
    grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 100); do pg_up && break; sleep 0.1; done
fi
pg_up || { echo "FATAL: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null || { echo "FATAL: PostgreSQL does not let user postgres in without a password on 127.0.0.1" >&2; exit 1; }
echo "postgresql: up"
