#!/usr/bin/env bash
# gatehouse demo (make demo): a throwaway PostgreSQL with a small `customers` table of
# fake data, an API key, gatehouse in front of it, and a few psql sessions through it.
# Prints each command and what it printed; stops everything on exit.
#
# Env: GATEHOUSE_BIN (default build/gatehouse), KEEP=1 keeps .demo/ and the server files.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
GATEHOUSE_BIN=${GATEHOUSE_BIN:-$ROOT/build/gatehouse}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PY=/usr/bin/python3
DEMO_DIR=$ROOT/.demo
APP_PW=demo-app-pw-$RANDOM$RANDOM

die() { echo "demo: $*" >&2; exit 1; }
[ -x "$GATEHOUSE_BIN" ] || die "gatehouse binary not found at $GATEHOUSE_BIN (run: make build)"
[ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 not found in $PG_BIN (run: scripts/install-deps.sh)"
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSSLMODE PGSERVICE PGOPTIONS

if [ -t 1 ]; then B=$'\e[1m'; D=$'\e[2m'; G=$'\e[32m'; N=$'\e[0m'; else B=""; D=""; G=""; N=""; fi
say() { echo; echo "${B}# $*${N}"; }
show() {  # show DISPLAY-TEXT COMMAND...: print the command, run it, indent its output
  echo "${G}\$ $1${N}"; shift
  set +e
  "$@" 2>&1 | sed 's/^/  /'
  local rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || echo "  ${D}(exit status $rc)${N}"
}

DB_OS_USER=${DEMO_OS_USER:-${DB_OS_USER:-postgres}}
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"

PG_DIR=$(mktemp -d /tmp/gatehouse-demo-pg.XXXXXX)
chmod 755 "$PG_DIR"
PIDS=()
cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "demo: kept $DEMO_DIR and $PG_DIR" >&2
  else
    rm -rf "$PG_DIR"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ PostgreSQL
say "Starting a throwaway PostgreSQL 15 (scram-sha-256 logins only)"
PG_PORT=$(free_port)
mkdir -p "$PG_DIR/sock"
[ "$(id -u)" -ne 0 ] || chown -R "$RUN_USER:" "$PG_DIR"
as_db "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --no-instructions --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log"; die "initdb failed"; }
cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/sock'
fsync = off
EOF
( as_db_exec "$PG_BIN/postgres" -D "$PG_DIR/data" ) >"$PG_DIR/postgres.log" 2>&1 &
PIDS+=($!)
wait_until 60 "$PG_BIN/pg_isready" -q -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres \
  || { tail -20 "$PG_DIR/postgres.log"; die "PostgreSQL did not start"; }
echo "PostgreSQL listening on 127.0.0.1:$PG_PORT"

psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres -d postgres >/dev/null <<EOF
CREATE ROLE crm_app LOGIN PASSWORD '$APP_PW';
CREATE DATABASE crm OWNER crm_app;
EOF
PGPASSWORD=$APP_PW psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U crm_app -d crm >/dev/null <<'EOF'
-- Obviously fake people: 000-00-xxxx SSNs are never issued; 4111... / 5555... are test card numbers.
CREATE TABLE customers (
  id          serial PRIMARY KEY,
  name        text NOT NULL,
  email       text NOT NULL,
  ssn         text NOT NULL,
  card_number text NOT NULL
);
INSERT INTO customers (name, email, ssn, card_number) VALUES
  ('Alice Example',   'alice@example.com',   '000-00-0001', '4111 1111 1111 1111'),
  ('Bob Sample',      'bob@example.com',     '000-00-0002', '5555 5555 5555 4444'),
  ('Carol Testcase',  'carol@example.com',   '000-00-0003', '4012 8888 8888 1881'),
  ('Dave Placeholder','dave@example.com',    '000-00-0004', '3782 822463 10005'),
  ('Erin Fictional',  'erin@example.com',    '000-00-0005', '6011 1111 1111 1117'),
  ('Frank Madeup',    'frank@example.com',   '000-00-0006', '4111 1111 1111 1111'),
  ('Grace Dummy',     'grace@example.com',   '000-00-0007', '5105 1051 0510 5100'),
  ('Heidi Mock',      'heidi@example.com',   '000-00-0008', '4222 2222 2222 2'),
  ('Ivan Notreal',    'ivan@example.com',    '000-00-0009', '3530 1113 3330 0000'),
  ('Judy Invented',   'judy@example.com',    '000-00-0010', '6304 0000 0000 0000');
EOF
echo "database crm: table customers with 10 rows of fake data; backend role crm_app"

# ------------------------------------------------------------------ gatehouse
say "Writing the gatehouse config"
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
GH_PORT=$(free_port)
ADMIN_PORT=$(free_port)
cat >"$DEMO_DIR/gatehouse.yaml" <<EOF
# gatehouse demo config (written by scripts/demo.sh; see examples/gatehouse.yaml)
listen: 127.0.0.1:$GH_PORT
workers: 1
data_dir: ./var
log_level: info
limits: { startup_timeout: 10s, idle_timeout: 0, max_message_size: 64MB }
connections:
  - name: crm                      # clients connect with dbname=crm
    host: 127.0.0.1
    port: $PG_PORT
    database: crm
    user: crm_app
    password_env: CRM_PG_PASSWORD  # the backend password stays in gatehouse
    tls: { mode: disable }
access:                            # deny by default: who may open which connection
  - connection: crm
    groups: [analysts]
    max_session: 8h
guardrails:                        # every statement is parsed and judged first
  include: [agent-safe]
admin:                             # the admin API: health, metrics, reviews, evidence
  listen: 127.0.0.1:$ADMIN_PORT
  roles: { approver: [dba], auditor: [dba] }
review:
  mode: ticket                     # refuse with a request id; runs once after approval
masking:                           # sensitive values never leave the gateway
  - name: pii-columns
    columns: ["customers.ssn", "customers.email"]
    style: partial(last=4)
  - name: pii-values
    detect: [credit_card]
    style: redact
EOF
sed 's/^/  /' "$DEMO_DIR/gatehouse.yaml"
show "gatehouse check --config .demo/gatehouse.yaml" \
  env CRM_PG_PASSWORD="$APP_PW" "$GATEHOUSE_BIN" check --config "$DEMO_DIR/gatehouse.yaml"

say "Creating an API key for an automated identity"
echo "${G}\$ gatehouse keys create --config .demo/gatehouse.yaml --name report-bot --groups analysts --expires 1d${N}"
KEY=$("$GATEHOUSE_BIN" keys create --config "$DEMO_DIR/gatehouse.yaml" --name report-bot --groups analysts \
      --expires 1d 2>"$DEMO_DIR/keys.log") || { cat "$DEMO_DIR/keys.log"; die "keys create failed"; }
echo "  ${KEY:0:12}…  (printed once; stored only as a hash under .demo/var)"
DBA_KEY=$("$GATEHOUSE_BIN" keys create --config "$DEMO_DIR/gatehouse.yaml" --name alice-dba --groups dba \
      2>>"$DEMO_DIR/keys.log") || { cat "$DEMO_DIR/keys.log"; die "keys create failed"; }
echo "  and alice-dba (group dba: an approver) for the review below"
show "gatehouse keys list --config .demo/gatehouse.yaml" \
  "$GATEHOUSE_BIN" keys list --config "$DEMO_DIR/gatehouse.yaml"

say "Starting gatehouse"
CRM_PG_PASSWORD=$APP_PW "$GATEHOUSE_BIN" serve --config "$DEMO_DIR/gatehouse.yaml" >"$DEMO_DIR/gatehouse.log" 2>&1 &
GH_PID=$!
PIDS+=($GH_PID)
wait_until 30 grep -q "listening on" "$DEMO_DIR/gatehouse.log" \
  || { tail -30 "$DEMO_DIR/gatehouse.log"; die "gatehouse did not start"; }
grep -m1 "listening on" "$DEMO_DIR/gatehouse.log" | sed 's/^/  /'

# ------------------------------------------------------------------ clients
CONN="host=127.0.0.1 port=$GH_PORT dbname=crm user=report-bot sslmode=disable connect_timeout=10"
SHOWN_CONN="host=127.0.0.1 port=$GH_PORT dbname=crm user=report-bot"
gh_psql() { PGPASSWORD=$KEY psql -X -v VERBOSITY=verbose -d "$CONN" "$@"; }

say "Querying through gatehouse with the API key as the password (PGPASSWORD=${KEY:0:12}…)"
show "psql \"$SHOWN_CONN\" -c 'select current_user, count(*) from customers group by 1'" \
  gh_psql -c "select current_user, count(*) from customers group by 1"
show "psql \"$SHOWN_CONN\" -c 'select id, name, email, ssn, card_number from customers order by id limit 5'" \
  gh_psql -c "select id, name, email, ssn, card_number from customers order by id limit 5"
show "psql \"$SHOWN_CONN\" -c '\\d customers'" gh_psql -c '\d customers'

say "Masking follows the data: an alias, an expression or a whole row does not get the raw values out"
show "psql \"$SHOWN_CONN\" -c 'select ssn as harmless, upper(email), row_to_json(c) from customers c order by id limit 2'" \
  gh_psql -c "select ssn as harmless, upper(email), row_to_json(c) from customers c order by id limit 2"

say "Guardrails: destructive statements are refused (SQLSTATE 42501), the session carries on"
show "psql \"$SHOWN_CONN\" -c 'delete from customers' -c 'select count(*) from customers'" \
  gh_psql -c "delete from customers" -c "select count(*) from customers"
show "psql \"$SHOWN_CONN\" -c \"select pg_read_file('/etc/passwd')\"" \
  gh_psql -c "select pg_read_file('/etc/passwd')"
show "gatehouse policy explain --config .demo/gatehouse.yaml --connection crm --groups analysts --sql 'WITH d AS (DELETE FROM customers) SELECT 1'" \
  "$GATEHOUSE_BIN" policy explain --config "$DEMO_DIR/gatehouse.yaml" --connection crm --groups analysts \
  --sql "WITH d AS (DELETE FROM customers) SELECT 1"

say "Risky statements wait for a human: a schema change needs an approver's review"
show "psql \"$SHOWN_CONN\" -c 'create index on customers (name)'" \
  gh_psql -c "create index on customers (name)"
REVIEW_ID=$({ gh_psql -c "create index on customers (name)" 2>&1 || true; } \
            | grep -o 'rv_[0-9a-f]\{20\}' | head -1)
[ -n "$REVIEW_ID" ] || die "no review request id in the refusal"
show "GATEHOUSE_TOKEN=<alice-dba's key> gatehouse reviews list --state pending" \
  env GATEHOUSE_ADMIN_URL="http://127.0.0.1:$ADMIN_PORT" GATEHOUSE_TOKEN="$DBA_KEY" \
  "$GATEHOUSE_BIN" reviews list --state pending
show "GATEHOUSE_TOKEN=<alice-dba's key> gatehouse reviews approve --reason 'faster lookups by name' $REVIEW_ID" \
  env GATEHOUSE_ADMIN_URL="http://127.0.0.1:$ADMIN_PORT" GATEHOUSE_TOKEN="$DBA_KEY" \
  "$GATEHOUSE_BIN" reviews approve --reason "faster lookups by name" "$REVIEW_ID"
show "psql \"$SHOWN_CONN\" -c 'create index on customers (name)'   # the same statement, once" \
  gh_psql -c "create index on customers (name)"

say "A wrong key is refused before any backend connection (SQLSTATE 28P01)"
show "PGPASSWORD=ghk_not_a_real_key psql \"$SHOWN_CONN\" -c 'select 1'" \
  env PGPASSWORD=ghk_not_a_real_key psql -X -d "$CONN" -c "select 1"
echo "${D}  psql does not print the SQLSTATE of a login error; the raw ErrorResponse shows it:${N}"
show "PGPASSWORD=ghk_not_a_real_key python3 tests/integration/pgwire.py 127.0.0.1 $GH_PORT crm report-bot" \
  env PGPASSWORD=ghk_not_a_real_key $PY "$ROOT/tests/integration/pgwire.py" 127.0.0.1 "$GH_PORT" crm report-bot

say "A principal that no access rule lets in is refused (SQLSTATE 28000)"
INTERN_KEY=$("$GATEHOUSE_BIN" keys create --config "$DEMO_DIR/gatehouse.yaml" --name intern-bot --groups interns \
      2>>"$DEMO_DIR/keys.log") || { cat "$DEMO_DIR/keys.log"; die "keys create failed"; }
show "PGPASSWORD=<intern-bot's key> python3 tests/integration/pgwire.py 127.0.0.1 $GH_PORT crm intern-bot" \
  env PGPASSWORD="$INTERN_KEY" $PY "$ROOT/tests/integration/pgwire.py" 127.0.0.1 "$GH_PORT" crm intern-bot

say "An unknown connection name is refused without listing the configured ones"
show "psql \"host=127.0.0.1 port=$GH_PORT dbname=payroll user=report-bot\" -c 'select 1'" \
  env PGPASSWORD="$KEY" psql -X -d "host=127.0.0.1 port=$GH_PORT dbname=payroll user=report-bot sslmode=disable connect_timeout=10" -c "select 1"

say "Revoking the key ends its access"
show "gatehouse keys revoke --config .demo/gatehouse.yaml report-bot" \
  "$GATEHOUSE_BIN" keys revoke --config "$DEMO_DIR/gatehouse.yaml" report-bot
show "psql \"$SHOWN_CONN\" -c 'select 1'" gh_psql -c "select 1"

say "Every session and statement is in the tamper-evident audit log"
show "gatehouse sessions list --config .demo/gatehouse.yaml" \
  "$GATEHOUSE_BIN" sessions list --config "$DEMO_DIR/gatehouse.yaml"
FIRST_SESSION=$("$GATEHOUSE_BIN" sessions list --config "$DEMO_DIR/gatehouse.yaml" 2>/dev/null \
  | awk 'NR > 1 && length($1) == 16 {s = $1} END {print s}')
if [ -n "$FIRST_SESSION" ]; then
  show "gatehouse sessions show --config .demo/gatehouse.yaml $FIRST_SESSION" \
    "$GATEHOUSE_BIN" sessions show --config "$DEMO_DIR/gatehouse.yaml" "$FIRST_SESSION"
fi
show "gatehouse audit verify --config .demo/gatehouse.yaml" \
  "$GATEHOUSE_BIN" audit verify --config "$DEMO_DIR/gatehouse.yaml"

say "What gatehouse logged"
sed 's/^/  /' "$DEMO_DIR/gatehouse.log"

kill -0 "$GH_PID" 2>/dev/null || die "gatehouse exited during the demo"
say "Done: stopping gatehouse and PostgreSQL"
