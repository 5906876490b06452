#!/usr/bin/env bash
# Remote delivery throughput: Yubin sending to a local Postfix, loopback only (127.0.0.0/8).
#   named     BIND 9 on 127.0.0.1:<free port>, zones d1.bench .. dD.bench, each "MX 10 mx.dN.bench."
#             and "mx.dN.bench. A 127.0.0.2"
#   postfix   a throwaway Postfix (as PostfixPeer in services/delivery's tests) on 127.0.0.2:<free
#             port>, STARTTLS with a self-signed certificate, accepting user@dN.bench into virtual
#             Maildirs (fsync on, Postfix's default)
#   yubin     ./yubin serve from this checkout, embedded SQLite, every port free and on 127.0.0.1,
#             remote delivery to that port through that DNS server (MTA-STS and DANE off), sending
#             limits off, one user sender@bench.test
# For each run (plain, then dkim: the same with an RSA 2048 key for bench.test), a fresh Yubin:
# W warm-up messages, then SmtpLoad submits N messages of S KiB over C connections to the
# submissions port (implicit TLS, AUTH PLAIN), recipient i to user@d((i mod D)+1).bench; the time
# runs from the first connect until the Maildirs hold all N (polled every 250 ms). Prints accepted
# messages/s (submission) and delivered messages/s (end to end); the CPU of Yubin (and by thread
# name), of Postfix (master and daemons), of named and of the whole machine in that window; and checks
# one delivered message: Postfix's Received field (TLS or not), the DKIM-Signature (dkim run: present
# and verified by dkimpy when python3-dkim is installed; plain run: absent).
#
# Options: -n MESSAGES (2000)  -s SIZE_KIB (4)  -c CONNECTIONS (20)  -w WARMUP (1000)
#          -d DOMAINS (20)  --only plain|dkim  --out DIR (default bench/target/outbound-<time>)
#          --no-peer-tls   Postfix offers no STARTTLS (what TLS costs: by default every delivery
#                          does a TLS handshake, since Yubin opens one session per message)
#
# Needs root (Postfix and named switch users), Debian's postfix, bind9 and openssl, a JDK 17 and a
# build: ./mvnw -B -q -DskipTests package -pl services/server,bench -am. Every server runs under
# nice -n 15 (a shared machine); every step is bounded in time; on any exit it stops exactly what it
# started, by pid, and removes its temporary directory.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
jar=$repo/bench/target/yubin-bench.jar
messages=2000 size_kib=4 connections=20 warmup=1000 domains=20 runs="plain dkim" out="" peer_tls=may
NICE=(nice -n 15)
# Debian's python3 (it has python3-dkim when installed); the helpers below need nothing else
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) messages=$2; shift ;;
    -s) size_kib=$2; shift ;;
    -c) connections=$2; shift ;;
    -w) warmup=$2; shift ;;
    -d) domains=$2; shift ;;
    --only) case $2 in plain|dkim) runs=$2 ;; *) usage ;; esac; shift ;;
    --out) out=$2; shift ;;
    --no-peer-tls) peer_tls=none ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "needs root (Postfix and named switch users)" >&2; exit 1; }
for f in "$jar" "$repo/services/server/target/yubin.jar" /usr/sbin/named /usr/lib/postfix/sbin/master; do
  [ -e "$f" ] || { echo "$f is missing (build: ./mvnw -B -q -DskipTests package -pl services/server,bench -am;" \
    "packages: postfix bind9)" >&2; exit 1; }
done
out=${out:-$repo/bench/target/outbound-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

# What this script started, stopped on exit: pid -> seconds to wait after SIGTERM.
work="" named_pid="" master_pid="" yubin_pid=""
stop_pid() {  # pid seconds: SIGTERM, then SIGKILL when it is still there after that many seconds
  [ -n "$1" ] || return 0
  kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  stop_pid "$yubin_pid" 30; yubin_pid=""
  stop_pid "$master_pid" 20; master_pid=""
  stop_pid "$named_pid" 10; named_pid=""
  if [ -n "$work" ]; then rm -rf -- "$work"; work=""; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# n free TCP ports on 127.0.0.1 (also free for UDP with "udp"), held open together while chosen.
free_ports() {  # count [udp]
  "$PY" - "$@" <<'EOF'
import socket, sys
n, udp = int(sys.argv[1]), len(sys.argv) > 2
held, ports = [], []
while len(ports) < n:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); held.append(t)
    p = t.getsockname()[1]
    if udp:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", p))
        except OSError:
            continue
        held.append(u)
    ports.append(p)
print(" ".join(map(str, ports)))
EOF
}
wait_greeting() {  # host port pid seconds: an SMTP greeting "220" within the time
  local i
  for i in $(seq $(($4 * 10))); do
    kill -0 "$3" 2>/dev/null || return 1
    if timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2 && head -c 3 <&3 | grep -q 220" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }           # utime + stime (proc(5))
# CPU ticks of a process tree: the root's own and its reaped children's (cutime, cstime), plus
# utime + stime of every live descendant (Postfix's daemons come and go under master)
tree_ticks() {  # pid
  "$PY" - "$1" <<'EOF'
import os, sys
root, parent, ticks = int(sys.argv[1]), {}, {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d)] = int(f[1]); ticks[int(d)] = [int(x) for x in f[11:15]]
total = sum(ticks.get(root, [0, 0, 0, 0]))
for pid in ticks:
    p = parent.get(pid)
    while p and p != root:
        p = parent.get(p)
    if p == root and pid != root:
        total += ticks[pid][0] + ticks[pid][1]
print(total)
EOF
}
# "name ticks" per thread name of process $1 (names cut to 15 characters by the kernel; digits
# dropped so that a pool's threads add up), one line each
thread_ticks() {  # pid
  "$PY" - "$1" <<'EOF'
import os, re, sys
pid, sums = sys.argv[1], {}
for t in os.listdir(f"/proc/{pid}/task"):
    try:
        comm = open(f"/proc/{pid}/task/{t}/comm").read().strip()
        f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    name = re.sub(r"[-#]?\d+$", "", comm).replace(" ", "_") or comm
    sums[name] = sums.get(name, 0) + int(f[11]) + int(f[12])
for k, v in sums.items():
    print(k, v)
EOF
}
# the CPU per thread name of $1 since the thread_ticks output $2, largest first, as "name s" pairs
thread_report() {  # pid before
  thread_ticks "$1" | awk -v before="$2" -v hz="$(getconf CLK_TCK)" '
    BEGIN { k = split(before, b, " "); for (i = 1; i < k; i += 2) was[b[i]] = b[i + 1] }
    { d = $2 - was[$1]; if (d > 0) print d, $1 }' | sort -rn | head -10 \
    | awk -v hz="$(getconf CLK_TCK)" '{ printf "%s%s %.2f s", (NR > 1 ? ", " : ""), $2, $1 / hz } END { print "" }'
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }  # busy idle

work=$(mktemp -d /tmp/bench-outbound.XXXXXX)
chmod 755 "$work"  # Postfix's daemons run as postfix and must reach their queue below it

exec > >(tee "$out/run.txt") 2>&1
echo "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(uname -sr); $(java -version 2>&1 | head -1)"
echo "postfix $(postconf -d -h mail_version 2>/dev/null), $(/usr/sbin/named -v)"
echo "uptime at start: $(uptime)"
echo "load: $messages x $size_kib KiB over $connections connections, $domains recipient domains, warm-up $warmup; runs: $runs; peer STARTTLS: $([ $peer_tls = may ] && echo offered || echo not offered)"

# --- named: d1.bench .. dD.bench --------------------------------------------------------------
read -r dns_port < <(free_ports 1 udp)
mkdir "$work/named"
{
  echo "options { directory \"$work/named\"; pid-file none; session-keyfile none;"
  echo "  listen-on port $dns_port { 127.0.0.1; }; listen-on-v6 { none; };"
  echo "  recursion no; dnssec-validation no; notify no; };"
  echo "controls { };"
  for i in $(seq "$domains"); do echo "zone \"d$i.bench\" { type primary; file \"d$i.bench.zone\"; };"; done
} > "$work/named/named.conf"
for i in $(seq "$domains"); do
  cat > "$work/named/d$i.bench.zone" <<EOF
\$TTL 3600
@   IN SOA ns.d$i.bench. hostmaster.d$i.bench. 1 3600 600 86400 3600
@   IN NS  ns.d$i.bench.
@   IN MX  10 mx.d$i.bench.
ns  IN A   127.0.0.1
mx  IN A   127.0.0.2
EOF
done
"${NICE[@]}" /usr/sbin/named -g -n 1 -c "$work/named/named.conf" > "$work/named/named.log" 2>&1 &
named_pid=$!
# one DNS question over UDP (no dig on the machine): the answer count of name/type (15 MX, 1 A)
dns_answers() {  # port name type
  "$PY" - "$@" <<'EOF'
import random, socket, struct, sys
port, name, qtype = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
try:
    s.sendto(q, ("127.0.0.1", port)); r = s.recv(4096)
    rcode, ancount = r[3] & 15, struct.unpack(">H", r[6:8])[0]
    print(ancount if r[:2] == q[:2] and rcode == 0 else -1)
except OSError:
    print(-1)
EOF
}
for _ in $(seq 300); do
  [ "$(dns_answers "$dns_port" "d$domains.bench" 15)" = 1 ] && break
  kill -0 "$named_pid" 2>/dev/null || { cat "$work/named/named.log" >&2; echo "named exited" >&2; exit 1; }
  sleep 0.1
done
for i in $(seq "$domains"); do
  [ "$(dns_answers "$dns_port" "d$i.bench" 15)" = 1 ] && [ "$(dns_answers "$dns_port" "mx.d$i.bench" 1)" = 1 ] \
    || { cat "$work/named/named.log" >&2; echo "named does not serve d$i.bench" >&2; exit 1; }
done
echo "named: 127.0.0.1:$dns_port (pid $named_pid), $domains zones"

# --- postfix on 127.0.0.2 ---------------------------------------------------------------------
read -r smtp_peer_port < <(free_ports 1)
pf=$work/postfix
mkdir -p "$pf/mail" "$pf/queue" "$pf/data"
chown 65534:65534 "$pf/mail"
chown postfix "$pf/data"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=mx.bench \
  -keyout "$pf/key.pem" -out "$pf/cert.pem" 2> "$pf/openssl.log"
vdomains=""
: > "$pf/vmailbox"
for i in $(seq "$domains"); do
  vdomains="$vdomains${vdomains:+, }d$i.bench"
  echo "user@d$i.bench d$i.bench/user/" >> "$pf/vmailbox"
done
cat > "$pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $pf/postfix.log
maillog_file_prefixes = $pf
myhostname = mx.bench
mydomain = bench
mydestination =
inet_interfaces = 127.0.0.1
proxy_interfaces = 127.0.0.2
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP Postfix (yubin outbound bench peer)
biff = no
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = $vdomains
virtual_mailbox_base = $pf/mail
virtual_mailbox_maps = texthash:$pf/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = reject_unlisted_recipient
smtpd_tls_security_level = $peer_tls
smtpd_tls_cert_file = $pf/cert.pem
smtpd_tls_key_file = $pf/key.pem
smtpd_tls_received_header = yes
smtputf8_enable = yes
message_size_limit = 10240000
# no artificial slow-down of the sender when the queue manager lags (Postfix's default is 1s):
# this measures the sender, the peer must not pace it
in_flow_delay = 0s
EOF
cat > "$pf/master.cf" <<EOF
127.0.0.2:$smtp_peer_port inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
timeout 60 /usr/sbin/postfix -c "$pf" check
"${NICE[@]}" /usr/lib/postfix/sbin/master -c "$pf" -d > "$pf/master.out" 2>&1 &
master_pid=$!
wait_greeting 127.0.0.2 "$smtp_peer_port" "$master_pid" 30 \
  || { cat "$pf/master.out" "$pf/postfix.log" >&2 2>/dev/null; echo "Postfix did not greet" >&2; exit 1; }
echo "postfix: 127.0.0.2:$smtp_peer_port (master pid $master_pid), Maildirs under $pf/mail"
maildir_count="find '$pf/mail' -path '*/new/*' -type f | wc -l"

# --- one run: a fresh Yubin, warm-up, measured load --------------------------------------------
run_yubin() {  # plain | dkim
  local name=$1 y=$work/yubin-$1 ports
  mkdir -p "$y/dkim"
  read -r -a ports < <(free_ports 8)
  if [ "$name" = dkim ]; then
    mkdir "$y/dkim/bench.test"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$y/dkim/bench.test/bench.key" 2>/dev/null
  fi
  cat > "$y/yubin.yaml" <<EOF
data-dir: ./data
admin: { host: 127.0.0.1, port: ${ports[0]} }
smtp:
  host: 127.0.0.1
  mx-port: ${ports[1]}
  submission-port: ${ports[2]}
  submissions-port: ${ports[3]}
  hostname: yubin.bench.test
  max-connections-per-ip: $((connections + 20))
imap: { host: 127.0.0.1, port: ${ports[4]}, tls-port: ${ports[5]} }
pop3: { host: 127.0.0.1, port: ${ports[6]}, tls-port: ${ports[7]} }
cluster: { name: bench-outbound-$$-$name }
delivery:
  remote:
    enabled: true
    port: $smtp_peer_port
    source-address: 127.0.0.1
    max-connections-per-domain: 20
    mta-sts: { enabled: false }
    dane: { enabled: false }
dns: { servers: "127.0.0.1:$dns_port" }
dkim: { keys-directory: $y/dkim }
sending-limits: { messages-per-hour: 0, recipients-per-day: 0 }
shutdown: { grace-seconds: 0 }
EOF
  (cd "$y" && exec "${NICE[@]}" "$repo/yubin" serve) > "$out/yubin-$name.log" 2>&1 &
  yubin_pid=$!
  local ok=0
  for _ in $(seq 900); do  # 180 s
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:${ports[0]}/health/ready" 2>/dev/null && { ok=1; break; }
    kill -0 "$yubin_pid" 2>/dev/null || break
    sleep 0.2
  done
  [ "$ok" = 1 ] || { echo "yubin serve ($name) not ready; see $out/yubin-$name.log" >&2; exit 1; }
  (cd "$y" && timeout 120 "${NICE[@]}" "$repo/yubin" domain add bench.test) > /dev/null
  (cd "$y" && echo 'bench password 1' | timeout 120 "${NICE[@]}" "$repo/yubin" user add sender@bench.test) > /dev/null
  echo "== $name: yubin pid $yubin_pid, submissions 127.0.0.1:${ports[3]}, admin ${ports[0]}$([ "$name" = dkim ] && echo ", DKIM key $y/dkim/bench.test/bench.key (RSA 2048)")"

  local gen=(timeout 2000 "${NICE[@]}" env SMTPLOAD_PASSWORD='bench password 1' java -jar "$jar" --host 127.0.0.1
    --port "${ports[3]}" --implicit-tls --auth-user sender@bench.test --from sender@bench.test
    --rcpt-pattern 'user@d%d.bench' --users "$domains" -s "$size_kib" -c "$connections"
    --delivered-cmd "$maildir_count" --delivered-interval-ms 250 --delivered-timeout 900 --timeout 600)
  if [ "$warmup" -gt 0 ]; then
    echo "-- $name warm-up: $warmup messages (not counted)"
    "${gen[@]}" -n "$warmup" --label "yubin-outbound-$name-warmup" > "$out/$name-warmup.txt" 2>&1 \
      || { cat "$out/$name-warmup.txt"; echo "warm-up failed" >&2; exit 1; }
    grep -E '^(wall|delivered) ' "$out/$name-warmup.txt"
  fi
  local before_count cpu0 m0 m1 p0 p1 n0 n1 threads0 rc=0 hz
  hz=$(getconf CLK_TCK)
  before_count=$(sh -c "$maildir_count")
  echo "-- $name measured: $messages messages; uptime before: $(uptime)"
  touch "$y/measured-start"
  threads0=$(thread_ticks "$yubin_pid" | tr '\n' ' ')
  cpu0=$(cpu_ticks "$yubin_pid"); m0=$(machine_ticks); p0=$(tree_ticks "$master_pid"); n0=$(cpu_ticks "$named_pid")
  "${gen[@]}" -n "$messages" --label "yubin-outbound-$name" 2>&1 | tee "$out/$name.txt" || rc=$?
  m1=$(machine_ticks); p1=$(tree_ticks "$master_pid"); n1=$(cpu_ticks "$named_pid")
  echo "-- $name uptime after: $(uptime)"
  awk -v c0="$cpu0" -v c1="$(cpu_ticks "$yubin_pid")" -v m0="$m0" -v m1="$m1" -v hz="$hz" -v n="$messages" -v cores="$(nproc)" \
    -v pf=$((p1 - p0)) -v nd=$((n1 - n0)) -v gen="$(awk '/^generator / { print $3 }' "$out/$name.txt")" '
    BEGIN { split(m0, a, " "); split(m1, b, " "); busy = (b[1] - a[1]) / hz; idle = (b[2] - a[2]) / hz
            printf "cpu: yubin %.2f s (%.2f ms per message); postfix (master and its daemons) %.2f s (%.2f ms per message); named %.2f s\n", (c1 - c0) / hz, 1000 * (c1 - c0) / hz / n, pf / hz, 1000 * pf / hz / n, nd / hz
            printf "cpu: machine busy %.2f s of %.2f s (%d cores: %.0f%%), all processes, the other developer'"'"'s included\n",
              busy, busy + idle, cores, 100 * busy / (busy + idle)
            printf "cpu: generator %.2f s while sending; the rest of the machine (polling, other users) %.2f s\n", gen, busy - (c1 - c0 + pf + nd) / hz - gen }'
  echo "cpu: yubin by thread (top 10): $(thread_report "$yubin_pid" "$threads0")"
  local after_count
  after_count=$(sh -c "$maildir_count")
  echo "maildirs: $((after_count - before_count)) new messages in this run (expected $messages)"
  # what Yubin says about its deliveries: no deferral expected (a deferral waits 300 s to retry)
  curl -fsS -m 5 "http://127.0.0.1:${ports[0]}/metrics" | grep -E '^yubin_delivery_recipients_total' || true
  # one delivered message of this run: DKIM-Signature present in the dkim run, absent in the plain one
  local sample sigs
  sample=$(find "$pf/mail/d1.bench/user/new" -type f -newer "$y/measured-start" | head -1)
  sigs=$(awk '/^\r?$/ { exit } /^DKIM-Signature:/ { n++ } END { print n + 0 }' "$sample")
  echo "sample $(basename "$sample"): $sigs DKIM-Signature field(s); Postfix's Received: $(awk '/^Received:/ { p = 1 } p { printf "%s ", $0 } p && /;/ { exit }' "$sample" | grep -o 'using TLS[^)]*' || echo 'no TLS')"
  awk '/^\r?$/ { exit } /^DKIM-Signature:/ { p = 1; print; next } /^[ \t]/ && p { print; next } { p = 0 }' "$sample" | cut -c1-120 | head -3
  if [ "$name" = dkim ] && [ "$sigs" -ge 1 ]; then
    # the signature checked by dkimpy (Debian python3-dkim) with the public half of the key as the
    # TXT record bench._domainkey.bench.test would hold
    local pub verdict
    pub=$(openssl pkey -in "$y/dkim/bench.test/bench.key" -pubout -outform DER | base64 -w0)
    verdict=$("$PY" - "$sample" "$pub" <<'EOF' 2>&1 | tail -1
import sys
try:
    import dkim
except ImportError:
    print("not checked (no python3-dkim)"); sys.exit(0)
record = ("v=DKIM1; k=rsa; p=" + sys.argv[2]).encode()
message = open(sys.argv[1], "rb").read()
print("dkimpy: signature verifies" if dkim.verify(message, dnsfunc=lambda name, timeout=5: record)
      else "dkimpy: signature DOES NOT verify")
EOF
)
    echo "$verdict"
    case $verdict in *"DOES NOT"*) rc=1 ;; esac
  fi
  if [ "$name" = dkim ] && [ "$sigs" -lt 1 ]; then echo "FAIL: the dkim run delivered a message without DKIM-Signature" >&2; rc=1; fi
  if [ "$name" = plain ] && [ "$sigs" -gt 0 ]; then echo "FAIL: the plain run delivered a signed message" >&2; rc=1; fi
  stop_pid "$yubin_pid" 30; yubin_pid=""
  [ "$rc" -eq 0 ] || { echo "$name: exit $rc" >&2; return "$rc"; }
}

status=0
for r in $runs; do run_yubin "$r" || status=1; done
echo "== summary ($out)"
for r in $runs; do
  [ -f "$out/$r.txt" ] || continue
  awk -v r="$r" '/^wall / { acc = $5 } /^delivered / { del = $10; s = $6 } END { printf "%-6s submission %s messages/s   end to end %s messages/s (%s s)\n", r, acc, del, s }' "$out/$r.txt"
done
cp "$pf/postfix.log" "$out/postfix.log" 2>/dev/null || true
echo "postfix log: $(grep -c 'smtpd.*: connect from' "$out/postfix.log" 2>/dev/null) connections," \
  "$(grep -c 'status=sent (delivered to maildir)' "$out/postfix.log" 2>/dev/null) delivered to Maildir (warm-up included)"
echo "uptime at end: $(uptime)"
grep -h '^{' "$out"/plain.txt "$out"/dkim.txt 2>/dev/null > "$out/json.txt" || true
exit "$status"
