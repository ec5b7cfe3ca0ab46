#!/usr/bin/env bash
# gatehouse vs PgBouncer vs a direct connection, measured in one run on this machine.
#
# Starts its own throwaway PostgreSQL 15 (scram auth, no TLS; fsync/synchronous_commit/
# full_page_writes off: the data is thrown away, and durability would only add disk noise
# to a comparison of proxies), initialises pgbench data, starts PgBouncer (Debian's
# package, session mode, scram) and gatehouse on free loopback ports, then runs against
# each target:
#   - pgbench -S, simple protocol      (-c $CLIENTS -j $THREADS -T $DURATION)
#   - pgbench -S, prepared protocol
#   - pgbench TPC-B default script     (simple protocol)
#   - a 1,000,000-row SELECT read by psql into /dev/null (best of $READ_RUNS, monotonic clock)
#   - masking: gh_mask, a fourth gatehouse instance with masking rules, reads a 1,000,000-row
#     table of 6 columns with 2 masked (psql, as above), and runs pgbench -S (its tables have
#     no masked column: the cost of masking being configured)
#   - the login rate: pgbench -C -S, simple protocol, a new connection (with authentication)
#     per transaction (-c $CLIENTS -j $CONNECT_THREADS -T $CONNECT_DURATION; pgbench connects
#     synchronously, one login at a time per thread, so the default is one thread per
#     client: $CLIENTS logins in flight): direct and PgBouncer with SCRAM, gatehouse with
#     an API key, and gh_oidc, a third gatehouse instance, with an OIDC access token issued
#     by a real OpenID provider (tests/integration/oidc/provider.mjs, node + oidc-provider;
#     scripts/install-test-clients.sh installs it)
# and prints TPS, times, the ratios gatehouse/PgBouncer and gatehouse/direct, the ceiling of
# each -S workload (direct/PgBouncer), the proxies' CPU time per -S transaction, and
# gatehouse's peak RSS (VmHWM). Everything it starts is stopped on exit.
#
# Usage: bench/pgbench.sh            (make bench)
# Env:   DURATION=15 CLIENTS=16 THREADS=2 SCALE=10 READ_RUNS=3
#        ROUNDS=1   -S runs per target, interleaved round by round (direct, pgbouncer,
#                   gatehouse, ..., then again); the median is reported. The box's speed drifts
#                   over minutes: interleaving spreads the drift over every target alike
#        CONNECT_DURATION=(DURATION+1)/2  seconds per login-rate run
#        CONNECT_THREADS=$CLIENTS         pgbench -j for the login-rate runs
#        GATEHOUSE_BIN=build/gatehouse  GATEHOUSE_WORKERS=0 (0 = one per core)
#        BENCH_OUT=FILE  also write the results as tab-separated values
#        KEEP=1          keep the work directory (logs, configs)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
READ_RUNS=${READ_RUNS:-3}
ROUNDS=${ROUNDS:-1}
CONNECT_DURATION=${CONNECT_DURATION:-$(( (DURATION + 1) / 2 ))}
CONNECT_THREADS=${CONNECT_THREADS:-$CLIENTS}
GATEHOUSE_BIN=${GATEHOUSE_BIN:-$ROOT/build/gatehouse}
GATEHOUSE_WORKERS=${GATEHOUSE_WORKERS:-0}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
PY=/usr/bin/python3
BENCH_PW=bench-pw-$RANDOM$RANDOM

die() { echo "pgbench.sh: $*" >&2; exit 1; }
[ -x "$GATEHOUSE_BIN" ] || die "gatehouse binary not found at $GATEHOUSE_BIN (make build)"
[ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 not found in $PG_BIN (scripts/install-deps.sh)"
[ -x "$PGBOUNCER" ] || die "pgbouncer not found at $PGBOUNCER (scripts/install-deps.sh)"
command -v pgbench >/dev/null || die "pgbench not found"
OIDC_DIR=$ROOT/tests/integration/oidc
command -v node >/dev/null || die "node not found (scripts/install-deps.sh); the OIDC login run needs it"
[ -d "$OIDC_DIR/node_modules/oidc-provider" ] \
  || die "$OIDC_DIR/node_modules is missing: run scripts/install-test-clients.sh (the OIDC login run needs oidc-provider)"
[ "$SCALE" -ge 10 ] || echo "pgbench.sh: SCALE < 10 reads fewer than 1,000,000 rows" >&2
# Keep psql/pgbench from picking up the caller's connection settings.
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSSLMODE PGSERVICE PGOPTIONS

DB_OS_USER=${BENCH_OS_USER:-${DB_OS_USER:-postgres}}
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"

WORK=$(mktemp -d /tmp/ghbench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "${KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
    echo "pgbench.sh: work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ PostgreSQL
PG_PORT=$(free_port)
mkdir -p "$WORK/pg" "$WORK/sock"
[ "$(id -u)" -ne 0 ] || chown "$RUN_USER:" "$WORK/pg" "$WORK/sock"
echo "== PostgreSQL on 127.0.0.1:$PG_PORT (scale $SCALE)"
as_db "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -E UTF8 --no-instructions --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; die "initdb failed"; }
cat >>"$WORK/pg/data/postgresql.conf" <<EOF
# --- bench/pgbench.sh (throwaway benchmark server)
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/sock'
max_connections = 200
shared_buffers = 512MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 4GB
checkpoint_timeout = 30min
EOF
( as_db_exec "$PG_BIN/postgres" -D "$WORK/pg/data" ) >"$WORK/postgres.log" 2>&1 &
PIDS+=($!)
wait_until 60 "$PG_BIN/pg_isready" -q -h "$WORK/sock" -p "$PG_PORT" -U postgres \
  || { tail -30 "$WORK/postgres.log"; die "PostgreSQL did not start"; }
psql -X -q -v ON_ERROR_STOP=1 -h "$WORK/sock" -p "$PG_PORT" -U postgres -d postgres \
  -c "CREATE ROLE bench LOGIN PASSWORD '$BENCH_PW'" -c "CREATE DATABASE bench OWNER bench" >/dev/null
export PGPASSWORD=$BENCH_PW
pgbench -i -q -s "$SCALE" -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$WORK/pgbench-init.log" 2>&1 \
  || { cat "$WORK/pgbench-init.log"; die "pgbench -i failed"; }
PGPASSWORD=$BENCH_PW psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U bench bench -c "
  CREATE TABLE people_1m AS
  SELECT i AS id, 'Person ' || i AS name, 'person' || i || '@example.test' AS email,
         lpad((i % 899999999 + 100000000)::text, 9, '0') AS ssn, 'City ' || (i % 1000) AS city,
         (i % 100000) / 100.0 AS amount
  FROM generate_series(1, 1000000) AS i; ANALYZE people_1m" >"$WORK/people.log" 2>&1 \
  || { cat "$WORK/people.log"; die "creating people_1m failed"; }
psql -X -q -h "$WORK/sock" -p "$PG_PORT" -U postgres -d bench -c "VACUUM ANALYZE" >/dev/null

# ------------------------------------------------------------------ PgBouncer
BOUNCER_PORT=$(free_port)
mkdir -p "$WORK/pgbouncer"
cat >"$WORK/pgbouncer/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/pgbouncer/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = 40
max_db_connections = 0
ignore_startup_parameters = extra_float_digits
logfile = $WORK/pgbouncer/pgbouncer.log
log_connections = 0
log_disconnections = 0
EOF
printf '"bench" "%s"\n' "$BENCH_PW" >"$WORK/pgbouncer/userlist.txt"
[ "$(id -u)" -ne 0 ] || chown -R "$RUN_USER:" "$WORK/pgbouncer"
chmod 600 "$WORK/pgbouncer/userlist.txt"
echo "== PgBouncer $("$PGBOUNCER" --version | head -1 | awk '{print $2}') on 127.0.0.1:$BOUNCER_PORT (session mode)"
# exec, so that $! is PgBouncer itself (not a subshell) and cleanup stops it.
( as_db_exec "$PGBOUNCER" "$WORK/pgbouncer/pgbouncer.ini" ) >"$WORK/pgbouncer/stdout.log" 2>&1 &
BOUNCER_PID=$!
PIDS+=($BOUNCER_PID)
wait_until 30 psql -X -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U bench -d bench -c "select 1" \
  || { tail -30 "$WORK/pgbouncer/"*.log; die "PgBouncer did not start"; }

# ------------------------------------------------------------------ OpenID provider
# The real oidc-provider (as in the integration tests), signing RS256 with a fresh 2048-bit
# key. It issues client-credentials tokens for client "agent": audience gatehouse, groups
# [data-agents], 300 s lifetime (so the token is fetched right before its run).
mkdir -p "$WORK/oidc"
$PY - "$WORK/oidc/jwks.json" <<'PYEOF' || die "cannot write the provider's JWKS"
import sys
sys.path.insert(0, "tests/integration")
from oidc import make_rsa_jwks
make_rsa_jwks(sys.argv[1], "bench-rsa-1")
PYEOF
node "$OIDC_DIR/provider.mjs" --jwks "$WORK/oidc/jwks.json" --port "$(free_port)" \
  >"$WORK/oidc/ready.txt" 2>"$WORK/oidc/provider.log" &
PIDS+=($!)
wait_until 30 grep -q '^ready ' "$WORK/oidc/ready.txt" \
  || { tail -30 "$WORK/oidc/provider.log"; die "the OpenID provider did not start"; }
OIDC_ISSUER=$(sed -n 's/^ready \(http:[^ ]*\)$/\1/p' "$WORK/oidc/ready.txt")
echo "== OpenID provider (oidc-provider $(node -p "require('$OIDC_DIR/node_modules/oidc-provider/package.json').version"), RS256) at $OIDC_ISSUER"
oidc_token() {  # a fresh access token for client "agent" (client-credentials grant)
  $PY - "$OIDC_ISSUER" "$WORK/oidc" <<'PYEOF'
import sys
from pathlib import Path
sys.path.insert(0, "tests/integration")
from oidc import OidcProvider
print(OidcProvider(Path(sys.argv[2]), issuer=sys.argv[1]).token("agent"))
PYEOF
}

# ------------------------------------------------------------------ gatehouse
# Three instances: the default audit durability (balanced), strict (every statement's
# record is fdatasync'ed before it is forwarded, with group commit), and gh_oidc (balanced,
# trusting the OpenID provider above; used for the login rate with tokens).
# start_gatehouse NAME DURABILITY GROUP [EXTRA_YAML]
#   -> sets GH_PORT_<NAME>, GH_PID_<NAME>, GH_KEY_<NAME>
# Access is deny-by-default: the rule lets GROUP use connection bench (API keys are
# created with --groups bench; the provider's tokens carry groups [data-agents]).
start_gatehouse() {
  local name=$1 durability=$2 group=$3 extra=${4:-} port key pid
  port=$(free_port)
  mkdir -p "$WORK/$name"
  cat >"$WORK/$name/gatehouse.yaml" <<EOF
listen: 127.0.0.1:$port
workers: $GATEHOUSE_WORKERS
data_dir: ./var
log_level: info
audit: { durability: $durability }
connections:
  - name: bench
    host: 127.0.0.1
    port: $PG_PORT
    database: bench
    user: bench
    password_env: BENCH_PG_PASSWORD
    tls: { mode: disable }
access:
  - { connection: bench, groups: [$group] }
$extra
EOF
  key=$("$GATEHOUSE_BIN" keys create --config "$WORK/$name/gatehouse.yaml" --name bench --groups bench \
    2>"$WORK/$name/keys.log") || { cat "$WORK/$name/keys.log"; die "gatehouse keys create failed"; }
  echo "== $name on 127.0.0.1:$port (workers: $GATEHOUSE_WORKERS, audit durability: $durability)"
  BENCH_PG_PASSWORD=$BENCH_PW "$GATEHOUSE_BIN" serve --config "$WORK/$name/gatehouse.yaml" \
    >"$WORK/$name/gatehouse.log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  wait_until 30 grep -q "listening on" "$WORK/$name/gatehouse.log" \
    || { tail -40 "$WORK/$name/gatehouse.log"; die "$name did not start"; }
  printf -v "GH_PORT_$name" '%s' "$port"
  printf -v "GH_PID_$name" '%s' "$pid"
  printf -v "GH_KEY_$name" '%s' "$key"
}
# Every statement is parsed and judged in every instance (unparseable SQL fails closed);
# gatehouse and gh_strict also run the agent-safe guardrails pack. Its bulk-read estimate rule
# EXPLAINs every SELECT (a point lookup's estimate is reused per session); its threshold is
# raised above 1M rows so that the 1M-row read is measured rather than sent to review.
GUARDRAILS="guardrails:
  include:
    - pack: agent-safe
      bulk_read_rows: 2000000"
start_gatehouse gatehouse balanced bench "$GUARDRAILS"
start_gatehouse gh_strict strict bench "$GUARDRAILS"
start_gatehouse gh_oidc balanced data-agents "identity:
  issuers:
    - { issuer: $OIDC_ISSUER, audience: gatehouse }"
start_gatehouse gh_mask balanced bench "$GUARDRAILS
masking:
  - name: pii
    columns: [people_1m.email, people_1m.ssn]
    style: partial(last=4)"
GH_PORT=$GH_PORT_gatehouse
GH_PID=$GH_PID_gatehouse

# ------------------------------------------------------------------ runs
TARGETS=(direct pgbouncer gatehouse)
declare -A PORT=([direct]=$PG_PORT [pgbouncer]=$BOUNCER_PORT [gatehouse]=$GH_PORT
                 [gh_strict]=$GH_PORT_gh_strict [gh_oidc]=$GH_PORT_gh_oidc [gh_mask]=$GH_PORT_gh_mask)
# gh_oidc's password, an access token, is fetched right before each use (they live 300 s).
declare -A PASS=([direct]=$BENCH_PW [pgbouncer]=$BENCH_PW [gatehouse]=$GH_KEY_gatehouse
                 [gh_strict]=$GH_KEY_gh_strict [gh_oidc]="" [gh_mask]=$GH_KEY_gh_mask)
declare -A RESULT

target_env() {  # target_env TARGET -> env assignments for libpq tools
  echo "PGHOST=127.0.0.1 PGPORT=${PORT[$1]} PGUSER=bench PGDATABASE=bench PGPASSWORD=${PASS[$1]} PGSSLMODE=disable"
}

# The proxies' processes, for their CPU time per transaction (the direct target has none: its
# cost is the server's).
declare -A PROXY_PID=([pgbouncer]=$BOUNCER_PID [gatehouse]=$GH_PID_gatehouse
                      [gh_strict]=$GH_PID_gh_strict [gh_mask]=$GH_PID_gh_mask)
cpu_ticks() {  # cpu_ticks PID -> user + system clock ticks of the whole process so far
  awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0
}

run_pgbench() {  # run_pgbench TARGET NAME ARGS... -> tps
  local t=$1 name=$2; shift 2
  local log="$WORK/run-$name-$t.log"
  local pid=${PROXY_PID[$t]:-} ticks=""
  [ -z "$pid" ] || ticks=$(cpu_ticks "$pid")
  if ! env $(target_env "$t") pgbench -n -c "$CLIENTS" -j "$THREADS" -T "$DURATION" "$@" >"$log" 2>&1; then
    echo "pgbench $name against $t failed:" >&2; tail -20 "$log" >&2
    echo "failed"; return 0
  fi
  if [ -n "$pid" ]; then
    # One line per run: clock ticks used, transactions processed (the logins at its start are in
    # the ticks too: a few milliseconds of a run's seconds).
    echo "$(( $(cpu_ticks "$pid") - ticks )) $(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")" \
      >>"$WORK/cpu-$name-$t"
  fi
  local failed
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
  if [ -n "$failed" ] && [ "$failed" != 0 ]; then echo "pgbench $name against $t: $failed failed transactions" >&2; fi
  local tps
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$log")
  [ -n "$tps" ] && printf '%.0f\n' "$tps" || echo "failed"
}

# run_connect TARGET -> "tps avg_connection_ms": pgbench -C, a new connection (and login)
# per transaction; with -C pgbench's tps includes the reconnection times.
run_connect() {
  local t=$1
  local log="$WORK/run-connect-$t.log"
  if ! env $(target_env "$t") pgbench -n -C -S -M simple -c "$CLIENTS" -j "$CONNECT_THREADS" \
      -T "$CONNECT_DURATION" >"$log" 2>&1; then
    echo "pgbench -C against $t failed:" >&2; tail -20 "$log" >&2
    echo "failed failed"; return 0
  fi
  local failed tps ms
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
  if [ -n "$failed" ] && [ "$failed" != 0 ]; then echo "pgbench -C against $t: $failed failed transactions" >&2; fi
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
  ms=$(sed -n 's/^average connection time = \([0-9.]*\) ms/\1/p' "$log")
  printf '%s %s\n' "$([ -n "$tps" ] && printf '%.0f' "$tps" || echo failed)" \
    "$([ -n "$ms" ] && printf '%.3f' "$ms" || echo failed)"
}

READ_SQL="select * from pgbench_accounts limit 1000000"  # 1M rows at scale >= 10
MASKED_SQL="select id, name, email, ssn, city, amount from people_1m"  # 1M rows, 6 columns; gh_mask masks email and ssn
run_read() {  # run_read TARGET [SQL] -> best seconds of READ_RUNS
  local t=$1 sql=${2:-$READ_SQL} best="" s
  for _ in $(seq 1 "$READ_RUNS"); do
    s=$(env $(target_env "$t") $PY - "$sql" <<'PYEOF'
import subprocess, sys, time
t0 = time.monotonic()
r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-o", "/dev/null", "-c", sys.argv[1]],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
elapsed = time.monotonic() - t0
if r.returncode != 0:
    sys.stderr.write(r.stderr)
    print("failed")
else:
    print(f"{elapsed:.3f}")
PYEOF
)
    [ "$s" = failed ] && { echo failed; return 0; }
    if [ -z "$best" ] || $PY -c "import sys; sys.exit(0 if $s < $best else 1)"; then best=$s; fi
  done
  echo "$best"
}

echo "== warm-up"
env $(target_env direct) pgbench -n -S -c "$CLIENTS" -j "$THREADS" -T 3 >/dev/null 2>&1 || true
for t in "${TARGETS[@]}"; do
  env $(target_env "$t") psql -X -q -A -t -o /dev/null -c "$READ_SQL" || die "SELECT through $t failed"
done
PASS[gh_oidc]=$(oidc_token) || die "no access token from the OpenID provider (see $WORK/oidc/provider.log)"
env $(target_env gh_oidc) psql -X -q -A -t -o /dev/null -c "select 1" \
  || die "login with an OIDC access token through gh_oidc failed (see $WORK/gh_oidc/gatehouse.log)"

WORKLOADS=(select_simple select_prepared tpcb read_1m)
declare -A LABEL=([select_simple]="-S simple (tps)" [select_prepared]="-S prepared (tps)"
                  [tpcb]="TPC-B (tps)" [read_1m]="1M-row SELECT (s)" [read_masked]="1M rows, 2/6 masked (s)")
median() { $PY -c "import statistics, sys; v=[float(x) for x in sys.argv[1:] if x != 'failed']; print(f'{statistics.median(v):.0f}' if v else 'failed')" "$@"; }
declare -A RUNS
for w in "${WORKLOADS[@]}" read_masked; do
  targets=("${TARGETS[@]}")
  rounds=1
  case $w in
    select_simple|select_prepared) targets+=(gh_strict gh_mask); rounds=$ROUNDS ;;
    read_masked) targets+=(gh_mask) ;;
  esac
  for r in $(seq 1 "$rounds"); do
    for t in "${targets[@]}"; do
      echo "== $w via $t (round $r of $rounds)"
      case $w in
        select_simple)   RUNS[$w,$t]+=" $(run_pgbench "$t" "$w" -S -M simple)" ;;
        select_prepared) RUNS[$w,$t]+=" $(run_pgbench "$t" "$w" -S -M prepared)" ;;
        tpcb)            RESULT[$w,$t]=$(run_pgbench "$t" "$w") ;;
        read_1m)         RESULT[$w,$t]=$(run_read "$t") ;;
        read_masked)     RESULT[$w,$t]=$(run_read "$t" "$MASKED_SQL") ;;
      esac
    done
  done
  case $w in
    select_simple|select_prepared)
      for t in "${targets[@]}"; do
        # shellcheck disable=SC2086
        RESULT[$w,$t]=$(median ${RUNS[$w,$t]})
        [ "$rounds" -eq 1 ] || echo "   $w $t runs:${RUNS[$w,$t]} -> median ${RESULT[$w,$t]}"
      done ;;
  esac
done

CONNECT_TARGETS=(direct pgbouncer gatehouse gh_oidc)
for t in "${CONNECT_TARGETS[@]}"; do
  echo "== connect (pgbench -C) via $t"
  # A fresh token right before the run: the provider's tokens live 300 s.
  [ "$t" != gh_oidc ] || PASS[gh_oidc]=$(oidc_token) || die "no access token from the OpenID provider"
  read -r "RESULT[connect,$t]" "RESULT[connect_ms,$t]" < <(run_connect "$t")
done

rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"; }
MASK_RSS=$(rss_kb "$GH_PID_gh_mask")
GH_RSS=$(rss_kb "$GH_PID")
BOUNCER_RSS=$(rss_kb "$BOUNCER_PID")
kill -0 "$GH_PID" 2>/dev/null || echo "WARNING: gatehouse exited during the benchmark (see $WORK/gatehouse/gatehouse.log)" >&2

ratio() { $PY -c "import sys; a,b=sys.argv[1:]; print(f'{float(a)/float(b):.2f}' if a.replace('.','',1).isdigit() and b.replace('.','',1).isdigit() and float(b) else '-')" "$1" "$2"; }

echo
echo "gatehouse benchmark: $(nproc) cores, $CLIENTS clients, $THREADS pgbench threads, ${DURATION}s per run, scale $SCALE"
printf '%-22s %12s %12s %12s %10s %10s\n' workload direct pgbouncer gatehouse gh/pgb gh/direct
for w in "${WORKLOADS[@]}"; do
  d=${RESULT[$w,direct]:-?}; b=${RESULT[$w,pgbouncer]:-?}; g=${RESULT[$w,gatehouse]:-?}
  printf '%-22s %12s %12s %12s %10s %10s\n' "${LABEL[$w]}" "$d" "$b" "$g" "$(ratio "$g" "$b")" "$(ratio "$g" "$d")"
done
echo "(tps: higher is better; 1M-row SELECT: seconds, best of $READ_RUNS, lower is better)"
# No proxy can be faster than the direct connection: direct/PgBouncer is the most any proxy
# could reach against PgBouncer in this run, and gh/pgb is read against it.
for w in select_simple select_prepared; do
  d=${RESULT[$w,direct]:-?}; b=${RESULT[$w,pgbouncer]:-?}; g=${RESULT[$w,gatehouse]:-?}
  printf 'ceiling %-14s direct/pgb %s: gatehouse at %s of PgBouncer is %s of the ceiling\n' \
    "${LABEL[$w]% (tps)}" "$(ratio "$d" "$b")" "$(ratio "$g" "$b")" "$(ratio "$g" "$d")"
done
# cpu_us_per_tx NAME TARGET -> the median over the rounds of the proxy's CPU µs per transaction
cpu_us_per_tx() {
  [ -s "$WORK/cpu-$1-$2" ] || { echo "-"; return; }
  $PY - "$WORK/cpu-$1-$2" "$(getconf CLK_TCK)" <<'PYEOF'
import statistics, sys
v = [int(t) / int(sys.argv[2]) * 1e6 / int(n) for t, n in (l.split() for l in open(sys.argv[1])) if int(n)]
print(f"{statistics.median(v):.1f}" if v else "-")
PYEOF
}
echo
echo "CPU per transaction (µs, user + system of the proxy process over each -S run, median)"
printf '%-22s %12s %12s %12s %10s\n' "" pgbouncer gatehouse gh_mask gh/pgb
for w in select_simple select_prepared; do
  b=$(cpu_us_per_tx "$w" pgbouncer); g=$(cpu_us_per_tx "$w" gatehouse); m=$(cpu_us_per_tx "$w" gh_mask)
  printf '%-22s %12s %12s %12s %10s\n' "${LABEL[$w]% (tps)}" "$b" "$g" "$m" "$(ratio "$g" "$b")"
done
echo
echo "audit durability (gatehouse, -S tps)      balanced       strict   strict/balanced"
for w in select_simple select_prepared; do
  g=${RESULT[$w,gatehouse]:-?}; st=${RESULT[$w,gh_strict]:-?}
  printf '%-38s %12s %12s %10s\n' "${LABEL[$w]}" "$g" "$st" "$(ratio "$st" "$g")"
done
echo
echo "masking (gh_mask: rules for people_1m.email and .ssn)    direct    pgbouncer    gh_mask   mask/direct  mask/pgb"
for w in read_masked select_simple select_prepared; do
  d=${RESULT[$w,direct]:-?}; b=${RESULT[$w,pgbouncer]:-?}; m=${RESULT[$w,gh_mask]:-?}
  printf '%-52s %9s %12s %10s %12s %9s\n' "${LABEL[$w]}" "$d" "$b" "$m" "$(ratio "$m" "$d")" "$(ratio "$m" "$b")"
done
echo "(the masked read through gatehouse without masking rules: ${RESULT[read_masked,gatehouse]:-?} s)"
echo
echo "login rate: pgbench -n -C -S -M simple -c $CLIENTS -j $CONNECT_THREADS, a new connection per transaction, ${CONNECT_DURATION}s per run"
printf '%-22s %12s %12s %12s %12s %10s %10s\n' "" direct pgbouncer gatehouse gh_oidc gh/pgb oidc/pgb
for row in connect connect_ms; do
  d=${RESULT[$row,direct]:-?}; b=${RESULT[$row,pgbouncer]:-?}; g=${RESULT[$row,gatehouse]:-?}
  o=${RESULT[$row,gh_oidc]:-?}
  label="connections/s"; [ $row = connect ] || label="avg connect time (ms)"
  printf '%-22s %12s %12s %12s %12s %10s %10s\n' "$label" "$d" "$b" "$g" "$o" \
    "$(ratio "$g" "$b")" "$(ratio "$o" "$b")"
done
echo "(direct, pgbouncer: SCRAM; gatehouse: API key; gh_oidc: RS256 access token from oidc-provider)"
mb() { $PY -c "import sys; v=sys.argv[1]; print(f'{int(v)/1024:.1f} MB' if v.isdigit() else v)" "$1"; }
echo "gatehouse peak RSS (VmHWM): $(mb "$GH_RSS"); gh_mask: $(mb "$MASK_RSS"); PgBouncer: $(mb "$BOUNCER_RSS")"

if [ -n "${BENCH_OUT:-}" ]; then
  {
    printf 'workload\tdirect\tpgbouncer\tgatehouse\n'
    for w in "${WORKLOADS[@]}"; do
      printf '%s\t%s\t%s\t%s\n' "$w" "${RESULT[$w,direct]:-}" "${RESULT[$w,pgbouncer]:-}" "${RESULT[$w,gatehouse]:-}"
    done
    for row in connect connect_ms; do
      printf '%s\t%s\t%s\t%s\n' "$row" "${RESULT[$row,direct]:-}" "${RESULT[$row,pgbouncer]:-}" \
        "${RESULT[$row,gatehouse]:-}"
      printf '%s_gh_oidc\t\t\t%s\n' "$row" "${RESULT[$row,gh_oidc]:-}"
    done
    printf 'gatehouse_vmhwm_kb\t\t\t%s\n' "$GH_RSS"
  } >"$BENCH_OUT"
fi
