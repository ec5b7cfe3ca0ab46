# Shell helpers shared by scripts/demo.sh and bench/pgbench.sh (sourced, not run).
# Needs PY (a python3) set by the caller; DB_OS_USER overrides the unprivileged user.

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# PostgreSQL and PgBouncer refuse to run as root: drop to the `postgres` user then.
# as_db runs a command as that user; as_db_exec replaces the (sub)shell with it, so that
# `( as_db_exec server … ) &` leaves $! pointing at the server itself.
if [ "$(id -u)" -eq 0 ]; then
  RUN_USER=${DB_OS_USER:-postgres}
  as_db() { setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"; }
  as_db_exec() { exec setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"; }
else
  RUN_USER=$(id -un)
  as_db() { "$@"; }
  as_db_exec() { exec "$@"; }
fi

wait_until() {  # wait_until SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}
