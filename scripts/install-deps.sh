#!/usr/bin/env bash
# Installs every Debian package gatehouse needs to build, test, demo and benchmark.
# Idempotent: does nothing when everything is already present.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libasio-dev libssl-dev libpg-query-dev libsimdjson-dev nlohmann-json3-dev
  libyaml-cpp-dev libre2-dev libsqlite3-dev libpq-dev libcpp-httplib-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  # tests, demo, benchmarks
  postgresql-15 postgresql-client-15 postgresql-contrib pgbouncer openssl
  python3 python3-pytest python3-psycopg python3-psycopg2 python3-asyncpg
  default-jdk-headless libpostgresql-jdbc-java procps util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js may come from another packaging (its own npm); install Debian's only when absent.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# pgbouncer's package starts a system service; the benchmark runs its own instance.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now pgbouncer >/dev/null 2>&1 || true; fi
