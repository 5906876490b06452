#!/usr/bin/env bash
# Reproduces the SMTP benchmark of docs/benchmarks.md, one server after the other, loopback only:
#   --sink    the generator's ceiling: SmtpLoad and Postfix's smtp-source against Postfix's smtp-sink
#             on 127.0.0.1:2526 (a null server that accepts and discards)
#   --peer    Postfix + Dovecot from ../shared/peer (LMTP into Maildir, fsync on) on 127.0.0.1:2525
#   --yubin   Yubin's embedded default started from this checkout (./yubin serve) on 127.0.0.1:2525
# With none of the three, runs --sink and --peer.
#
# Options: -n MESSAGES (10000)  -s SIZE_KIB (4)  -c CONNECTIONS (20)
#          -w WARMUP           messages sent (and delivered) before each measured run, not counted:
#                              the JVM's JIT warm-up (default 0, i.e. a cold server)
#          --out DIR            where each run's report goes (default bench/target/results-<time>)
#          --yubin-delivered-cmd CMD   (default: count the messages in the run's SQLite file)
#                               a shell command printing how many messages Yubin has put into the
#                               mailboxes. Without it the Yubin run measures acceptance only and
#                               says so: there is no such command until local delivery lands.
#
# Needs: root (the peer and smtp-sink switch users), apt-get install -y postfix dovecot-imapd
# dovecot-pop3d dovecot-lmtpd, a JDK 17. Every step is bounded in time; the script stops exactly
# the processes it started (by pid, or the peer's own stop.sh) and refuses to start a server on a
# port that is already taken.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
peer_dir=${PEER_DIR:-$repo/../shared/peer}
jar=$repo/bench/target/yubin-bench.jar
messages=10000 size_kib=4 connections=20 warmup=0
run_sink=0 run_peer=0 run_yubin=0
out=""
yubin_delivered_cmd=""
maildir_count="find /tmp/benchmail -path '*/new/*' -type f | wc -l"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --sink) run_sink=1 ;;
    --peer) run_peer=1 ;;
    --yubin) run_yubin=1 ;;
    -n) messages=$2; shift ;;
    -s) size_kib=$2; shift ;;
    -c) connections=$2; shift ;;
    -w) warmup=$2; shift ;;
    --out) out=$2; shift ;;
    --yubin-delivered-cmd) yubin_delivered_cmd=$2; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
if [ $((run_sink + run_peer + run_yubin)) -eq 0 ]; then run_sink=1 run_peer=1; fi
out=${out:-$repo/bench/target/results-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

# Processes this script started, stopped on any exit.
started_pids=()
peer_started=0
yubin_run_dir=""
cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
  done
  started_pids=()
  if [ "$peer_started" = 1 ]; then "$peer_dir/stop.sh"; peer_started=0; fi
  if [ -n "$yubin_run_dir" ]; then rm -rf -- "$yubin_run_dir"; yubin_run_dir=""; fi
}
trap cleanup EXIT

port_taken() { ss -ltnH "sport = :$1" | grep -q .; }
refuse_taken() {
  local p
  for p in "$@"; do
    if port_taken "$p"; then echo "port $p is taken:" >&2; ss -ltnp "sport = :$p" >&2; exit 1; fi
  done
}
wait_port() {  # port seconds pid
  local i
  for i in $(seq $(($2 * 10))); do
    port_taken "$1" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

machine() {
  echo "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(uname -sr)"
  java -version 2>&1 | head -1
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(uptime | sed 's/^ *//'))"
  echo "yubin event loops per SMTP port: ${YUBIN_SMTP_EVENT_LOOPS:-0} (0: one per core)"
}

if [ ! -f "$jar" ]; then
  (cd "$repo" && ./mvnw -B -q install -pl bench -am -DskipTests)
fi

# SmtpLoad bounded: 300 s sending, 600 s waiting for delivery, and an outer limit on top. The
# delivered count is polled once a second so that the polling (find over the Maildirs) takes
# little CPU from the server while it delivers.
cpu_ticks() {  # utime + stime of a process, in clock ticks (proc(5): fields 14 and 15)
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
# "tid ticks" for each Vert.x event-loop thread of process $1 (thread names are cut to 15 characters).
loop_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "vert.x-eventloo" ]; then
      awk -v tid="${t##*/}" '{ print tid, $14 + $15 }' "$t/stat"
    fi
  done
}
# The CPU each event-loop thread of $1 spent since $2 (a loop_ticks output), busiest first.
loop_report() {  # pid before messages
  loop_ticks "$1" | awk -v before="$2" 'BEGIN { k = split(before, b, " "); for (i = 1; i < k; i += 2) was[b[i]] = b[i + 1] }
    { d = $2 - was[$1]; if (d > 0) print d }' | sort -rn | awk -v hz="$(getconf CLK_TCK)" -v n="$3" '
    { out = out sprintf(" %.2f s", $1 / hz); total += $1 }
    END { printf "server event-loop threads:%s = %.3f ms per message\n", (out == "" ? " none" : out), 1000 * total / hz / n }'
}

# With server_pid set, also prints the CPU time that process spent from the start of sending until
# everything was delivered: the whole cost of a message on the server side, whatever else ran.
load() {  # name port [SmtpLoad options...]
  local name=$1 port=$2; shift 2
  local n=${load_messages:-$messages} cpu_before="" loops_before=""
  echo "== $name: SmtpLoad $n x $size_kib KiB over $connections connections to 127.0.0.1:$port"
  if [ -n "${server_pid:-}" ]; then
    cpu_before=$(cpu_ticks "$server_pid")
    loops_before=$(loop_ticks "$server_pid" | tr '\n' ' ')
  fi
  set +e
  # bash's time around the whole JVM: its total CPU, start-up and JIT included.
  { TIMEFORMAT='generator process: wall %R s  user %U s  sys %S s'
    time timeout 1000 java -jar "$jar" --host 127.0.0.1 --port "$port" -n "$n" -s "$size_kib" \
      -c "$connections" --label "$name" --timeout 300 --delivered-timeout 600 --delivered-interval-ms 1000 "$@" 2>&1 \
      | tee "$out/$name.txt"; } 2> "$out/$name.time"
  local rc=$?
  set -e
  cat "$out/$name.time"
  if [ -n "$cpu_before" ]; then
    local ticks=$(( $(cpu_ticks "$server_pid") - cpu_before )) hz
    hz=$(getconf CLK_TCK)
    awk -v t="$ticks" -v hz="$hz" -v n="$n" 'BEGIN { printf "server process: cpu %.2f s for %d messages = %.3f ms per message accepted and delivered\n", t / hz, n, 1000 * t / hz / n }' \
      | tee -a "$out/$name.time"
    loop_report "$server_pid" "$loops_before" "$n" | tee -a "$out/$name.time"
  fi
  echo "exit $rc" >> "$out/$name.txt"
  [ "$rc" -eq 0 ] || echo "$name: SmtpLoad exited $rc (see above)" >&2
}

{ machine; echo "messages=$messages size_kib=$size_kib connections=$connections"; } | tee "$out/machine.txt"

if [ "$run_sink" = 1 ]; then
  command -v smtp-sink >/dev/null || { echo "smtp-sink missing: apt-get install -y postfix" >&2; exit 1; }
  refuse_taken 2526
  # -u nobody: smtp-sink refuses to run as root; 1000 is the listen backlog.
  smtp-sink -u nobody 127.0.0.1:2526 1000 > "$out/smtp-sink.log" 2>&1 &
  started_pids+=($!)
  wait_port 2526 10 "$!" || { echo "smtp-sink did not start" >&2; exit 1; }
  load sink-smtpload 2526
  # smtp-source: -d keeps each connection for many messages as SmtpLoad does; -l is the body only,
  # smtp-source adds its own few headers on top.
  echo "== sink-smtp-source: smtp-source -d -s $connections -l $((size_kib * 1024)) -m $messages"
  { TIMEFORMAT='wall %R s  user %U s  sys %S s'
    time timeout 300 smtp-source -d -s "$connections" -l $((size_kib * 1024)) -m "$messages" \
      -f bench@load.test -t user1@bench.test 127.0.0.1:2526; } 2>&1 | tee "$out/sink-smtp-source.txt"
  cleanup
fi

if [ "$run_peer" = 1 ]; then
  [ -x "$peer_dir/start.sh" ] || { echo "no peer scripts in $peer_dir (set PEER_DIR)" >&2; exit 1; }
  refuse_taken 2525 1143 1110
  "$peer_dir/start.sh" --clean
  peer_started=1
  [ "$warmup" -gt 0 ] && load_messages=$warmup load postfix-dovecot-warmup 2525 --delivered-cmd "$maildir_count"
  load postfix-dovecot 2525 --delivered-cmd "$maildir_count"
  cleanup
fi

if [ "$run_yubin" = 1 ]; then
  refuse_taken 2525 2587 2465 1143 1993 1110 1995 8080
  if [ ! -f "$repo/services/server/target/yubin.jar" ]; then
    (cd "$repo" && ./mvnw -B -q install -DskipTests -pl services/server -am)
  fi
  # A fresh data directory for every run; removed again by cleanup, after the server has stopped.
  yrun=$(mktemp -d /tmp/benchyubin.XXXXXX)
  yubin_run_dir=$yrun
  (cd "$yrun" && exec "$repo/yubin" serve) > "$out/yubin-serve.log" 2>&1 &
  yubin_pid=$!
  started_pids+=($yubin_pid)
  for _ in $(seq 600); do
    curl -fsS -o /dev/null http://127.0.0.1:8080/health/ready 2>/dev/null && break
    kill -0 "$yubin_pid" 2>/dev/null || { echo "yubin serve exited; see $out/yubin-serve.log" >&2; exit 1; }
    sleep 0.2
  done
  if ! wait_port 2525 10 "$yubin_pid"; then
    echo "yubin is up but nothing listens on 127.0.0.1:2525: this checkout has no SMTP server yet" >&2
    exit 1
  fi
  (cd "$yrun" && "$repo/yubin" domain add bench.test)
  for i in $(seq 20); do
    (cd "$yrun" && echo 'bench password 1' | "$repo/yubin" user add "user$i@bench.test") > /dev/null
  done
  # Delivered = messages in the mailboxes, read from the embedded SQLite file without locking it.
  if [ -z "$yubin_delivered_cmd" ]; then
    yubin_delivered_cmd="python3 -c \"import sqlite3; print(sqlite3.connect('file:$yrun/data/yubin.db?mode=ro', uri=True).execute('select count(*) from messages').fetchone()[0])\""
  fi
  [ "$warmup" -gt 0 ] && server_pid=$yubin_pid load_messages=$warmup load yubin-embedded-warmup 2525 \
    --delivered-cmd "$yubin_delivered_cmd"
  server_pid=$yubin_pid load yubin-embedded 2525 --delivered-cmd "$yubin_delivered_cmd"
  cleanup
fi

echo "== JSON lines ($out)"
cat "$out"/*.txt | grep '^{' || true
