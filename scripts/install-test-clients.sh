#!/usr/bin/env bash
# Prepares the non-Python integration-test clients. Idempotent and offline-safe once done:
#  - node-postgres: `npm ci` in tests/integration/node when node_modules is missing or stale;
#  - OpenID provider: `npm ci` in tests/integration/oidc (oidc-provider), same rule;
#  - JDBC: compiles tests/integration/java/*.java against Debian's pgjdbc when stale.
# Needs what scripts/install-deps.sh installs (node + npm, default-jdk-headless,
# libpostgresql-jdbc-java).
set -euo pipefail
cd "$(dirname "$0")/.."

JDBC_JAR=${JDBC_JAR:-/usr/share/java/postgresql.jar}
NODE_DIR=tests/integration/node
OIDC_DIR=tests/integration/oidc
JAVA_DIR=tests/integration/java

# node-postgres, pinned by the committed package-lock.json
if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-clients: npm not found; run scripts/install-deps.sh" >&2
  exit 1
fi
stamp="$NODE_DIR/node_modules/.package-lock.json"
if [ ! -d "$NODE_DIR/node_modules/pg" ] || [ ! -f "$stamp" ] || [ "$NODE_DIR/package-lock.json" -nt "$stamp" ]; then
  echo "install-test-clients: npm ci in $NODE_DIR"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
fi

# OpenID provider for the OIDC tests (oidc-provider), pinned by the committed package-lock.json
stamp="$OIDC_DIR/node_modules/.package-lock.json"
if [ ! -d "$OIDC_DIR/node_modules/oidc-provider" ] || [ ! -f "$stamp" ] || [ "$OIDC_DIR/package-lock.json" -nt "$stamp" ]; then
  echo "install-test-clients: npm ci in $OIDC_DIR"
  (cd "$OIDC_DIR" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
fi

# JDBC smoke program
if ! command -v javac >/dev/null 2>&1 || [ ! -f "$JDBC_JAR" ]; then
  echo "install-test-clients: javac or $JDBC_JAR missing; run scripts/install-deps.sh" >&2
  exit 1
fi
stale=0
for src in "$JAVA_DIR"/*.java; do
  cls="$JAVA_DIR/$(basename "${src%.java}").class"
  if [ ! -f "$cls" ] || [ "$src" -nt "$cls" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  echo "install-test-clients: javac $JAVA_DIR/*.java"
  javac -nowarn -cp "$JDBC_JAR" -d "$JAVA_DIR" "$JAVA_DIR"/*.java
fi
