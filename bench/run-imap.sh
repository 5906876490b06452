#!/usr/bin/env bash
# Reproduces the IMAP benchmark of docs/benchmarks.md against Yubin's embedded default started from
# this checkout (./yubin serve, heap capped with -Xmx512m), loopback only:
#   1. APPEND N messages (default 100,000) into one INBOX over 16 connections
#   2. SELECT INBOX three times, FETCH 1:* (ENVELOPE FLAGS) twice, with times; then 8 clients
#      running a random mix (select, fetch, store, append, search, expunge) for 60 s
#   3. 4 clients each sending UID FETCH u (FLAGS BODY.PEEK[]) for a random u, one at a time, for
#      --fetch-seconds (default 30; 0 skips it)
#   4. hold C connections (default 10,000) in IDLE and read the server's heap after a full GC,
#      before and while they are held: the heap per idle connection
# After each of steps 1-3 it prints the server's CPU time per operation (from /proc/<pid>/stat) and
# the load average. YUBIN_* variables set by the caller reach the server (e.g. YUBIN_IMAP_EVENT_LOOPS=1).
# Options: -n MESSAGES  -c IDLE_CONNECTIONS  --fetch-seconds T  --out DIR
# Needs a JDK 17 (jcmd); the server's IMAP port allows LOGIN without TLS for the run (a benchmark
# setting; TLS would measure handshakes, not IMAP).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
jar=$repo/bench/target/yubin-bench.jar
messages=100000 idle=10000 fetch_seconds=30 out=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) messages=$2; shift ;;
    -c) idle=$2; shift ;;
    --fetch-seconds) fetch_seconds=$2; shift ;;
    --out) out=$2; shift ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
  shift
done
out=${out:-$repo/bench/target/imap-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
[ -f "$jar" ] || (cd "$repo" && ./mvnw -B -q package -pl bench -am -DskipTests)
[ -f "$repo/services/server/target/yubin.jar" ] || (cd "$repo" && ./mvnw -B -q package -DskipTests -pl services/server -am)

yrun=$(mktemp -d /tmp/benchimap.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -rf "$yrun"
}
trap cleanup EXIT
# The IDLE step holds $idle connections from 127.0.0.1: above the default per-address cap.
(cd "$yrun" && YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH=true \
  YUBIN_IMAP_MAX_CONNECTIONS_PER_IP=${YUBIN_IMAP_MAX_CONNECTIONS_PER_IP:-$((idle + 100))} JAVA_OPTS="-Xmx512m" \
  exec "$repo/yubin" serve) > "$out/yubin-serve.log" 2>&1 &
pid=$!
for _ in $(seq 600); do curl -fsS -o /dev/null http://127.0.0.1:8080/health/ready 2>/dev/null && break; sleep 0.2; done
(cd "$yrun" && "$repo/yubin" domain add bench.test > /dev/null && echo 'bench password 1' | "$repo/yubin" user add user@bench.test > /dev/null)

heap() {  # used heap in MiB after a full GC
  jcmd "$pid" GC.run > /dev/null
  jcmd "$pid" GC.heap_info | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); printf "%.1f", v / 1024 } }'
}
load() { java -cp "$jar" io.yubin.bench.ImapLoad "$@" --user user@bench.test --password 'bench password 1'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }  # utime + stime, proc(5)
# "tid ticks" for each Vert.x event-loop thread of the server (thread names are cut to 15 characters).
loop_ticks() {
  local t
  for t in /proc/"$pid"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "vert.x-eventloo" ]; then
      awk -v tid="${t##*/}" '{ print tid, $14 + $15 }' "$t/stat"
    fi
  done
}
# The CPU each event-loop thread spent since $1 (a loop_ticks output), busiest first; idle loops left out.
loop_report() {  # before operations
  loop_ticks | awk -v before="$1" 'BEGIN { k = split(before, b, " "); for (i = 1; i < k; i += 2) was[b[i]] = b[i + 1] }
    { d = $2 - was[$1]; if (d > 0) print d }' | sort -rn | awk -v hz="$(getconf CLK_TCK)" -v n="$2" '
    { out = out sprintf(" %.2f s", $1 / hz); total += $1 }
    END { printf "  event-loop threads:%s = %.3f ms per operation\n", (out == "" ? " none" : out), (n > 0 ? 1000 * total / hz / n : 0) }'
}
# Runs one ImapLoad step; then prints the server's CPU per operation, the count taken from the line
# of the step's output that matches $2 (field $3).
step() {  # name count-pattern count-field ImapLoad-arguments...
  local name=$1 pattern=$2 field=$3; shift 3
  echo "== $name: load average $(cut -d' ' -f1-3 /proc/loadavg) ($(uptime | sed 's/^ *//'))"
  local before loops n; before=$(cpu_ticks); loops=$(loop_ticks | tr '\n' ' ')
  load "$@" | tee "$out/$name.txt"
  n=$(awk -v p="$pattern" -v f="$field" '$0 ~ p { n = $f } END { print n + 0 }' "$out/$name.txt")
  awk -v t="$(( $(cpu_ticks) - before ))" -v hz="$(getconf CLK_TCK)" -v name="$name" -v n="$n" \
    'BEGIN { if (n > 0) printf "%s: server cpu %.2f s for %d operations = %.3f ms per operation\n", name, t / hz, n, 1000 * t / hz / n }'
  loop_report "$loops" "$n"
}

{
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); server -Xmx512m;" \
    "event loops smtp/imap/pop3: ${YUBIN_SMTP_EVENT_LOOPS:-0}/${YUBIN_IMAP_EVENT_LOOPS:-0}/${YUBIN_POP3_EVENT_LOOPS:-0} (0: one per core)"
  step populate '^populate' 2 populate -n "$messages" -c 16
  load select
  step mixed '^mixed .*operations' 6 mixed -c 8 --seconds 60 -n "$messages"
  if [ "$fetch_seconds" -gt 0 ]; then
    step fetch '^fetch .*UID FETCH' 8 fetch -c 4 --seconds "$fetch_seconds" -n "$messages"
  fi
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
