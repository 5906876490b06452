#!/usr/bin/env bash
# Reproduces the IMAP benchmark of docs/benchmarks.md against Yubin's embedded default started from
# this checkout (./yubin serve, heap capped with -Xmx512m), loopback only:
#   1. APPEND N messages (default 100,000) into one INBOX over 16 connections
#   2. SELECT INBOX three times, FETCH 1:* (ENVELOPE FLAGS) twice, with times; then 8 clients
#      running a random mix (select, fetch, store, append, search, expunge) for 60 s
#   3. hold C connections (default 10,000) in IDLE and read the server's heap after a full GC,
#      before and while they are held: the heap per idle connection
# Options: -n MESSAGES  -c IDLE_CONNECTIONS  --out DIR
# Needs a JDK 17 (jcmd); the server's IMAP port allows LOGIN without TLS for the run (a benchmark
# setting; TLS would measure handshakes, not IMAP).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
jar=$repo/bench/target/yubin-bench.jar
messages=100000 idle=10000 out=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) messages=$2; shift ;;
    -c) idle=$2; shift ;;
    --out) out=$2; shift ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
  shift
done
out=${out:-$repo/bench/target/imap-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
[ -f "$jar" ] || (cd "$repo" && ./mvnw -B -q install -pl bench -am -DskipTests)
[ -f "$repo/services/server/target/yubin.jar" ] || (cd "$repo" && ./mvnw -B -q install -DskipTests -pl services/server -am)

yrun=$(mktemp -d /tmp/benchimap.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -rf "$yrun"
}
trap cleanup EXIT
(cd "$yrun" && YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH=true JAVA_OPTS="-Xmx512m" exec "$repo/yubin" serve) > "$out/yubin-serve.log" 2>&1 &
pid=$!
for _ in $(seq 600); do curl -fsS -o /dev/null http://127.0.0.1:8080/health/ready 2>/dev/null && break; sleep 0.2; done
(cd "$yrun" && "$repo/yubin" domain add bench.test > /dev/null && echo 'bench password 1' | "$repo/yubin" user add user@bench.test > /dev/null)

heap() {  # used heap in MiB after a full GC
  jcmd "$pid" GC.run > /dev/null
  jcmd "$pid" GC.heap_info | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); printf "%.1f", v / 1024 } }'
}
load() { java -cp "$jar" io.yubin.bench.ImapLoad "$@" --user user@bench.test --password 'bench password 1'; }

{
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); server -Xmx512m"
  load populate -n "$messages" -c 16
  load select
  load mixed -c 8 --seconds 60 -n "$messages"
  before=$(heap)
  echo "heap after GC, before IDLE connections: $before MiB"
  rm -f "$out/ready"
  load idle -c "$idle" --hold-seconds 60 --ready-file "$out/ready" &
  client=$!
  for _ in $(seq 1200); do [ -f "$out/ready" ] && break; sleep 0.5; done
  during=$(heap)
  echo "heap after GC, with $idle IDLE connections: $during MiB"
  awk -v b="$before" -v d="$during" -v n="$idle" 'BEGIN { printf "heap per IDLE connection: %.1f KiB\n", (d - b) * 1024 / n }'
  kill "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
} 2>&1 | tee "$out/imap.txt"
