#!/usr/bin/env bash
# Reproduces issue 14's "speed with many clients" benchmark (docs/benchmarks.md), one server after
# the other, all on 127.0.0.1 with implicit TLS on port 1993:
#   --peer-argon2id   Dovecot from ../shared/peer, PEER_TLS=1 PEER_HASH=argon2id (Argon2id passwords)
#   --peer-plain      Dovecot from ../shared/peer, PEER_TLS=1 (plaintext passwords)
#   --yubin           Yubin's embedded default started from this checkout (./yubin serve)
# With none of the three, runs all three in that order. For each: a fresh server, the same users,
# the same seed (ImapMixedLoad seed), then the mixed run (ImapMixedLoad mixed) and the SEARCH
# latency run (ImapMixedLoad search), with `uptime` before and after each and the server's CPU.
#
# Options: -c CLIENTS (10)  -d SECONDS (30)  -n MESSAGES seeded per user (1000)  --users A..B (1..5)
#          --search-user N (20)  --search-messages M (10000; 0 skips the SEARCH run)  --rounds R (50)
#          --seed S (1)  -w SECONDS (0): a mixed run of that length before the measured one, not
#          counted (the JIT's warm-up; the same for every server)  --peer-password PW (pass)
#          --yubin-password PW ('bench pass 2026': Yubin's password policy wants 10 characters)
#          --max-load L (2)  --load-wait SECONDS (600): before each measured run, wait up to that
#          long for the 1-minute load average to be at most L (the run goes ahead afterwards, and
#          its report says what the load was)  --max-other P (15): a run during which other
#          processes took more than P % of a core (/proc/stat less server and harness) is disturbed:
#          the whole server is measured again from a fresh start, at most --retries N (2) more
#          times; disturbed attempts are kept under DIR/disturbed/  --out DIR
#
# Needs: root (the peer), apt-get install -y postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd
# python3-argon2, a JDK 17, and the jars (./mvnw -B -q -pl bench -am -DskipTests package;
# ./mvnw -B -q -pl services/server -am -DskipTests package). Every step is bounded in time; it stops
# exactly the processes it started (by pid, the peer by its own stop.sh) and refuses to start a
# server on a port that is taken. Other benchmarks share these ports: run it under
# `flock /tmp/yubin-bench.lock`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
peer_dir=${PEER_DIR:-$repo/../shared/peer}
jar=$repo/bench/target/yubin-bench.jar
clients=10 seconds=30 warmup=0 messages=1000 users=1..5 search_user=20 search_messages=10000 rounds=50 seed=1
yubin_password='bench pass 2026' peer_password=pass max_load=2 load_wait=600 max_other=15 retries=2 out=""
targets=()

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --peer-argon2id|--peer-plain|--yubin) targets+=("${1#--}") ;;
    -c) clients=$2; shift ;;
    -d) seconds=$2; shift ;;
    -w) warmup=$2; shift ;;
    -n) messages=$2; shift ;;
    --users) users=$2; shift ;;
    --search-user) search_user=$2; shift ;;
    --search-messages) search_messages=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --seed) seed=$2; shift ;;
    --yubin-password) yubin_password=$2; shift ;;
    --peer-password) peer_password=$2; shift ;;
    --max-load) max_load=$2; shift ;;
    --load-wait) load_wait=$2; shift ;;
    --max-other) max_other=$2; shift ;;
    --retries) retries=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=(peer-argon2id peer-plain yubin)
out=${out:-$repo/bench/target/imap-mixed-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
[ -f "$jar" ] || { echo "$jar missing: ./mvnw -B -q -pl bench -am -DskipTests package" >&2; exit 1; }

server_pid="" yubin_dir="" peer_started=0
cleanup() {
  if [ -n "$yubin_dir" ] && [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid"
  fi
  if [ "$peer_started" = 1 ]; then "$peer_dir/stop.sh"; peer_started=0; fi
  if [ -n "$yubin_dir" ]; then rm -rf -- "$yubin_dir"; yubin_dir=""; fi
  server_pid=""
}
trap cleanup EXIT

port_taken() { ss -ltnH "sport = :$1" | grep -q .; }
refuse_taken() {
  local p
  for p in "$@"; do
    if port_taken "$p"; then echo "port $p is taken:" >&2; ss -ltnp "sport = :$p" >&2; exit 1; fi
  done
}
wait_port() {  # port seconds
  for _ in $(seq $(($2 * 10))); do port_taken "$1" && return 0; sleep 0.1; done
  return 1
}
load1() { cut -d' ' -f1 /proc/loadavg; }
# Processes other than the server under test using over half a core (top, over 1 s).
others_busy() {
  top -b -n 2 -d 1 -w 200 | awk -v me="$server_pid" '/^top -/ { n++ }
    n == 2 && $1 ~ /^[0-9]+$/ && $1 != me && $9 + 0 > 50 { printf "%s(%s) %s%%; ", $12, $1, $9 }'
}
# Waits (bounded) until the 1-minute load average is at most --max-load and nothing else uses over
# half a core (other engineers' builds share these 2 cores; the load average lags a build that has
# just started), then says what the machine was doing. A run that could not wait is marked LOADED.
settle() {
  local waited=0 busy
  while [ "$waited" -lt "$load_wait" ]; do
    busy=$(others_busy)
    awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l > m) }' || [ -n "$busy" ] || break
    sleep 10; waited=$((waited + 10))
  done
  echo "uptime before: $(uptime)"
  [ "$waited" -gt 0 ] && echo "(waited ${waited} s for load average <= $max_load and no other busy process)"
  busy=$(top -b -n 2 -d 1 -w 200 | awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 { printf "%s(%s) %s%%; ", $12, $1, $9 }')
  echo "processes above 5% of a core (top, 1 s): ${busy:-none}"
  if awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l > m) }' || [ -n "$(others_busy)" ]; then
    echo "LOADED: the machine was busy when this run started; repeat it"
  fi
}
harness() { timeout $((seconds + 900)) java -cp "$jar" io.yubin.bench.imap.ImapMixedLoad "$@"; }

# Whether the RESULT line in file $1 says other processes took more than --max-other % of a core.
disturbed() {
  python3 - "$1" "$max_other" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("RESULT ")]
r = json.loads(lines[-1][7:]) if lines else {}
other, wall = r.get("other_cpu_s", -1), r.get("wall_s", 0)
share = 100 * other / wall if other >= 0 and wall > 0 else 0
print(f"other processes: {share:.0f}% of a core during the run")
sys.exit(1 if share > float(sys.argv[2]) else 0)
PY
}

# One server: seed, mixed run, SEARCH run. $1 label, $2 password. Fails when a run was disturbed.
measure() {
  local label=$1 password=$2
  echo "== $label: seeding users $users with $messages messages each, user$search_user with $search_messages"
  # (set -e does not apply inside a function called as a condition: hard failures exit explicitly)
  harness seed --label "$label" --password "$password" --users "$users" -n "$messages" \
    | tee "$out/$label-seed.txt" || { echo "seeding failed" >&2; exit 1; }
  if [ "$search_messages" -gt 0 ]; then
    harness seed --label "$label" --password "$password" --users "$search_user" -n "$search_messages" \
      --seed-connections 1 | tee -a "$out/$label-seed.txt" || { echo "seeding failed" >&2; exit 1; }
  fi
  if [ "$warmup" -gt 0 ]; then
    echo "== $label: warm-up, mixed, $clients clients, $warmup s (not counted)"
    harness mixed --label "$label-warmup" --password "$password" --users "$users" -n "$messages" -c "$clients" \
      -d "$warmup" --seed "$((seed + 1000))" --examples 1 > "$out/$label-warmup.txt" 2>&1 || true
    grep -E '^(commands|protocol errors)' "$out/$label-warmup.txt" || true
  fi
  echo "== $label: mixed, $clients clients, $seconds s"
  { settle
    harness mixed --label "$label" --password "$password" --users "$users" -n "$messages" -c "$clients" \
      -d "$seconds" --seed "$seed" --server-pid "$server_pid" --examples-file "$out/$label-errors.txt" || true
    echo "uptime after: $(uptime)"; } 2>&1 | tee "$out/$label-mixed.txt"
  disturbed "$out/$label-mixed.txt" || return 1
  if [ "$search_messages" -gt 0 ]; then
    echo "== $label: UID SEARCH latency on $search_messages messages"
    { settle
      harness search --label "$label" --password "$password" --users "$search_user" -n "$search_messages" \
        --rounds "$rounds" --seed "$seed" --server-pid "$server_pid" || true
      echo "uptime after: $(uptime)"; } 2>&1 | tee "$out/$label-search.txt"
    disturbed "$out/$label-search.txt" || return 1
  fi
  return 0
}

{ echo "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(uname -sr)"
  java -version 2>&1 | head -1
  echo "git: $(git -C "$repo" log -1 --format='%h %s' 2>/dev/null)"
  echo "clients=$clients seconds=$seconds warmup=$warmup messages=$messages users=$users search=$search_messages seed=$seed"
} | tee "$out/machine.txt"

# One fresh server, measured; fails when a run was disturbed.
attempt() {  # target
  local target=$1
  refuse_taken 1993 1143 1110 1995 2525
  case $target in
    peer-argon2id|peer-plain)
      [ -x "$peer_dir/start.sh" ] || { echo "no peer scripts in $peer_dir (set PEER_DIR)" >&2; exit 1; }
      hash=plain; [ "$target" = peer-argon2id ] && hash=argon2id
      peer_started=1
      PEER_TLS=1 PEER_HASH=$hash "$peer_dir/start.sh" --clean || { echo "the peer did not start" >&2; exit 1; }
      wait_port 1993 10 || { echo "Dovecot does not listen on 1993" >&2; exit 1; }
      server_pid=$(cat /tmp/benchpeer/dovecot/run/master.pid)
      dovecot --version | sed 's/^/dovecot /' | tee -a "$out/machine.txt"
      label=dovecot-$hash
      measure "$label" "$peer_password" || return 1
      ;;
    yubin)
      refuse_taken 8080 2587 2465
      [ -f "$repo/services/server/target/yubin.jar" ] \
        || { echo "no server jar: ./mvnw -B -q -pl services/server -am -DskipTests package" >&2; exit 1; }
      yubin_dir=$(mktemp -d /tmp/benchimapmixed.XXXXXX)
      (cd "$yubin_dir" && exec "$repo/yubin" serve) > "$out/yubin-serve.log" 2>&1 &
      server_pid=$!
      for _ in $(seq 600); do
        curl -fsS -o /dev/null http://127.0.0.1:8080/health/ready 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { echo "yubin serve exited; see $out/yubin-serve.log" >&2; exit 1; }
        sleep 0.2
      done
      wait_port 1993 10 || { echo "Yubin does not listen on 1993" >&2; exit 1; }
      (cd "$yubin_dir" && "$repo/yubin" domain add bench.test) > /dev/null || exit 1
      first=${users%%..*}; last=${users##*..}
      extra=$search_user
      [ "$search_user" -ge "$first" ] && [ "$search_user" -le "$last" ] && extra=""
      for i in $(seq "$first" "$last") $extra; do
        (cd "$yubin_dir" && printf '%s\n' "$yubin_password" | "$repo/yubin" user add "user$i@bench.test") > /dev/null \
          || exit 1
      done
      label=yubin
      measure "$label" "$yubin_password" || return 1
      ;;
  esac
}

for target in "${targets[@]}"; do
  clean=0
  for try in $(seq 0 "$retries"); do
    if attempt "$target"; then cleanup; clean=1; break; fi
    cleanup
    mkdir -p "$out/disturbed"
    for f in "$out/$label"-*.txt; do mv "$f" "$out/disturbed/try$try-$(basename "$f")"; done
    echo "== $label: disturbed by other processes (attempt $((try + 1)) of $((retries + 1)))"
  done
  [ "$clean" = 1 ] || echo "== $label: every attempt was disturbed; the figures are under $out/disturbed/"
done

echo "== RESULT lines ($out)"
grep -h '^RESULT' "$out"/*.txt || true
