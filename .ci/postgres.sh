#!/usr/bin/env bash
# Starts a throw-away PostgreSQL on a loopback port in a temporary directory, runs a command
# against it with RAMAUTHZ_TEST_PG set to its DSN, and stops and removes the server on exit.
#
#   .ci/postgres.sh                 runs the store/pgstore module's tests (-race)
#   .ci/postgres.sh CMD ARGS...     runs CMD instead (e.g. a benchmark)
#
# Besides RAMAUTHZ_TEST_PG it sets RAMAUTHZ_TEST_PG_CTL, a script that stops and starts the
# server ("$RAMAUTHZ_TEST_PG_CTL stop", "... start") for the fault tests.
#
# A fresh Debian machine gets the postgresql package installed first. PostgreSQL refuses to run
# as root, so as root the server runs as the postgres user. fsync=off: these tests check the
# store's logic, not PostgreSQL's durability. Several copies may run at once on one machine
# (each picks a free port and its own directory).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	echo "postgres.sh: installing postgresql" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgtmp=$(mktemp -d)
as_pg() {
	if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [[ $(id -u) == 0 ]]; then chown postgres "$pgtmp"; fi
cleanup() {
	as_pg "$pgbin/pg_ctl" -D "$pgtmp/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$pgtmp"
}
trap cleanup EXIT

as_pg "$pgbin/initdb" -D "$pgtmp/data" -A trust -U postgres --no-sync >/dev/null
port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	p=$((20000 + RANDOM % 40000))
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi # taken
	if as_pg "$pgbin/pg_ctl" -D "$pgtmp/data" -l "$pgtmp/pg.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $p -k $pgtmp -c fsync=off" start >/dev/null; then
		port=$p
		break
	fi
done
if [[ -z $port ]]; then
	echo "postgres.sh: PostgreSQL did not start; its log:" >&2
	cat "$pgtmp/pg.log" >&2 || true
	exit 1
fi
export RAMAUTHZ_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"

# RAMAUTHZ_TEST_PG_CTL names a script that stops (pg_ctl -m fast: a clean shutdown, so nothing
# committed is lost even with fsync=off) and starts this very server again on the same port:
# the fault tests stop PostgreSQL under running replicas.
as_pg_words=""
if [[ $(id -u) == 0 ]]; then as_pg_words="runuser -u postgres --"; fi
{
	echo '#!/usr/bin/env bash'
	echo '# stop|start: stops or starts the throw-away PostgreSQL of .ci/postgres.sh.'
	echo 'set -euo pipefail'
	echo 'case "${1:-}" in'
	echo "stop) $as_pg_words '$pgbin/pg_ctl' -D '$pgtmp/data' -m fast -w -t 30 stop >/dev/null ;;"
	echo "start) $as_pg_words '$pgbin/pg_ctl' -D '$pgtmp/data' -l '$pgtmp/pg.log' -w -t 30 -o '-c listen_addresses=127.0.0.1 -p $port -k $pgtmp -c fsync=off' start >/dev/null ;;"
	echo '*) echo "usage: $0 stop|start" >&2; exit 2 ;;'
	echo 'esac'
} >"$pgtmp/ctl"
chmod 755 "$pgtmp/ctl"
export RAMAUTHZ_TEST_PG_CTL="$pgtmp/ctl"
echo "postgres.sh: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

if (($#)); then
	"$@"
else
	(cd store/pgstore && go vet ./... && CI="${CI:-true}" go test -race -count=1 ./...)
fi
