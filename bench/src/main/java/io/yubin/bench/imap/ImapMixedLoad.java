package io.yubin.bench.imap;

import io.yubin.bench.LatencyStats;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The "speed with many clients" benchmark of issue 14 (docs/benchmarks.md), against any IMAP server
 * on 127.0.0.1 with implicit TLS:
 * <ul>
 * <li>{@code seed}: fills users' INBOXes with the same messages, flags and dates on every server;</li>
 * <li>{@code mixed}: N clients for a fixed time, each logging in, selecting, fetching, storing,
 * expunging, appending, searching and logging out again every few commands; commands/s, latency per
 * command type, and every protocol error found by a strict check of the responses;</li>
 * <li>{@code search}: UID SEARCH latency with header and flag keys on one seeded mailbox.</li>
 * </ul>
 * Prints a table and one {@code RESULT {json}} line. Exit status 0, or 1 when protocol errors were
 * seen or nothing completed, 2 on a usage error.
 */
@Command(name = "imap-mixed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "IMAP over implicit TLS on 127.0.0.1: seed | mixed | search")
public final class ImapMixedLoad implements Callable<Integer> {

    @Parameters(index = "0", description = "seed, mixed or search")
    String mode;

    @Option(names = "--port", defaultValue = "1993", description = "implicit-TLS IMAP port on 127.0.0.1 (${DEFAULT-VALUE})")
    int port;

    @Option(names = "--users", defaultValue = "1..5",
            description = "user numbers A..B: userA..userB@DOMAIN (search: the first) (${DEFAULT-VALUE})")
    String users;

    @Option(names = "--domain", defaultValue = "bench.test")
    String domain;

    @Option(names = "--password", required = true, description = "every user's password")
    String password;

    @Option(names = {"-n", "--messages"}, defaultValue = "1000",
            description = "seed: messages per user; mixed, search: how many were seeded (${DEFAULT-VALUE})")
    int messages;

    @Option(names = {"-c", "--clients"}, defaultValue = "10", description = "mixed: clients (${DEFAULT-VALUE})")
    int clients;

    @Option(names = {"-d", "--duration"}, defaultValue = "30", description = "mixed: seconds (${DEFAULT-VALUE})")
    int duration;

    @Option(names = "--rounds", defaultValue = "50",
            description = "search: rounds of the six searches after a cold one (${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--seed", defaultValue = "1", description = "random seed of the clients' choices (${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--seed-connections", defaultValue = "4", description = "seed: users seeded at once (${DEFAULT-VALUE})")
    int seedConnections;

    @Option(names = "--force", description = "seed: append even to a non-empty INBOX")
    boolean force;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds for a connection or a command (${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--max-commands", defaultValue = "10000000", description = "mixed: bound per client (${DEFAULT-VALUE})")
    long maxCommands;

    @Option(names = "--label", defaultValue = "", description = "names the server in the report")
    String label;

    @Option(names = "--server-pid", defaultValue = "0",
            description = "measure the CPU of this process and its descendants (/proc) during the run")
    long serverPid;

    @Option(names = "--examples", defaultValue = "3", description = "exchanges printed per error kind (${DEFAULT-VALUE})")
    int examples;

    @Option(names = "--examples-file", description = "write up to 50 exchanges per error kind here")
    Path examplesFile;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ImapMixedLoad()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int[] range = range(users);
        if (range == null || clients < 1 || duration < 1 || messages < 0 || rounds < 1 || timeout < 1) {
            System.err.println("bad arguments: --users A..B with 1 <= A <= B, and positive counts");
            return 2;
        }
        SSLContext tls = ImapTlsConnection.trustingContext();
        PrintStream out = System.out;
        switch (mode) {
            case "seed" -> {
                return seed(tls, range, out);
            }
            case "mixed" -> {
                return mixed(tls, range, out);
            }
            case "search" -> {
                return search(tls, range[0], out);
            }
            default -> {
                System.err.println("mode must be seed, mixed or search");
                return 2;
            }
        }
    }

    private int seed(SSLContext tls, int[] range, PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        long n = new Seeder(tls, port, domain, password, timeout).seed(range[0], range[1] - range[0] + 1, messages,
                seedConnections, force);
        double s = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "seed        %s users %s: %d messages in %.1f s, %.0f appends/s%n", label, users, n, s,
                n / s);
        out.println("RESULT {\"mode\":\"seed\",\"label\":" + q(label) + ",\"users\":" + q(users) + ",\"messages\":" + n
                + ",\"seconds\":" + f(s) + "}");
        return 0;
    }

    private int mixed(SSLContext tls, int[] range, PrintStream out) throws Exception {
        Findings findings = new Findings(Math.max(examples, examplesFile == null ? 0 : 50));
        MixedClient.MixedOptions options = new MixedClient.MixedOptions(port, range[0], range[1] - range[0] + 1,
                domain, password, messages, timeout, maxCommands, seed);
        String protocol = probe(tls);
        double serverCpu0 = serverPid > 0 ? ProcessTreeCpu.seconds(serverPid) : -1;
        double machineCpu0 = MachineCpu.busySeconds();
        long clientCpu0 = processCpuNanos();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(duration);
        List<MixedClient> running = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Tally>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            MixedClient c = new MixedClient(i, options, tls, findings, deadline);
            running.add(c);
            futures.add(pool.submit(c));
        }
        List<Tally> tallies = new ArrayList<>();
        long grace = deadline + TimeUnit.SECONDS.toNanos(timeout + 5L);
        for (int i = 0; i < clients; i++) {
            long wait = Math.max(1, grace - System.nanoTime());
            try {
                tallies.add(futures.get(i).get(wait, TimeUnit.NANOSECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                running.get(i).abort();
                tallies.add(futures.get(i).get(timeout, TimeUnit.SECONDS));
            }
        }
        long wall = System.nanoTime() - start;
        pool.shutdownNow();
        long clientCpu = processCpuNanos() - clientCpu0;
        double serverCpu = serverCpuSince(serverCpu0);
        double machineCpu = MachineCpu.busySeconds() - machineCpu0;
        double othersCpu = serverCpu >= 0 && machineCpu0 >= 0 ? machineCpu - serverCpu - clientCpu / 1e9 : -1;

        Map<String, LatencyStats> byType = Tally.merge(tallies, MixedClient.TYPES);
        long commands = 0;
        for (Map.Entry<String, LatencyStats> e : byType.entrySet()) {
            if (!e.getKey().equals("connect+TLS")) {
                commands += e.getValue().count();
            }
        }
        long expungeIssued = tallies.stream().mapToLong(t -> t.expungeIssued).sum();
        double seconds = wall / 1e9;
        double rate = commands / seconds;

        out.printf(Locale.ROOT, "imap mixed  %s 127.0.0.1:%d (%s), %d clients, %d s, users %s@%s, %d messages seeded each%n",
                label, port, protocol, clients, duration, users, domain, messages);
        out.printf(Locale.ROOT, "commands    %d in %.2f s: %.1f commands/s%n", commands, seconds, rate);
        out.printf(Locale.ROOT, "%-20s %8s %9s %9s %9s %9s%n", "command", "count", "per s", "p50 ms", "p99 ms", "max ms");
        for (Map.Entry<String, LatencyStats> e : byType.entrySet()) {
            LatencyStats l = e.getValue();
            out.printf(Locale.ROOT, "%-20s %8d %9.1f %9.2f %9.2f %9.2f%n", e.getKey(), l.count(), l.count() / seconds,
                    ms(l.percentile(50)), ms(l.percentile(99)), ms(l.max()));
        }
        out.printf(Locale.ROOT, "protocol errors %d%n", findings.total());
        for (Violation.Kind k : Violation.Kind.values()) {
            if (findings.count(k) > 0) {
                out.printf(Locale.ROOT, "  %-36s %d%n", k.label, findings.count(k));
            }
        }
        out.printf(Locale.ROOT, "NO [EXPUNGEISSUED] to FETCH/STORE (RFC 5530, allowed): %d%n", expungeIssued);
        out.printf(Locale.ROOT, "client CPU  %.2f s (%.0f%% of one core)%n", clientCpu / 1e9, 100.0 * clientCpu / wall);
        if (serverCpu >= 0) {
            out.printf(Locale.ROOT, "server CPU  %.2f s (%.0f%% of one core), %.3f ms per command%n", serverCpu,
                    100.0 * serverCpu / seconds, commands == 0 ? 0 : 1000.0 * serverCpu / commands);
        }
        if (othersCpu >= 0) {
            out.printf(Locale.ROOT, "other CPU   %.2f s (%.0f%% of one core): the machine's busy time less server and client%n",
                    othersCpu, 100.0 * othersCpu / seconds);
        }
        printExamples(findings, out);

        StringBuilder j = new StringBuilder("{\"mode\":\"mixed\",\"label\":").append(q(label))
                .append(",\"port\":").append(port).append(",\"tls\":").append(q(protocol))
                .append(",\"clients\":").append(clients).append(",\"duration_s\":").append(duration)
                .append(",\"users\":").append(q(users)).append(",\"seeded\":").append(messages)
                .append(",\"seed\":").append(seed).append(",\"wall_s\":").append(f(seconds))
                .append(",\"commands\":").append(commands).append(",\"commands_per_s\":").append(f(rate))
                .append(",\"protocol_errors\":").append(findings.total()).append(",\"errors\":{");
        String sep = "";
        for (Violation.Kind k : Violation.Kind.values()) {
            if (findings.count(k) > 0) {
                j.append(sep).append(q(k.label)).append(':').append(findings.count(k));
                sep = ",";
            }
        }
        j.append("},\"expungeissued\":").append(expungeIssued).append(",\"types\":{");
        sep = "";
        for (Map.Entry<String, LatencyStats> e : byType.entrySet()) {
            LatencyStats l = e.getValue();
            j.append(sep).append(q(e.getKey())).append(":{\"count\":").append(l.count()).append(",\"p50_ms\":")
                    .append(f(ms(l.percentile(50)))).append(",\"p99_ms\":").append(f(ms(l.percentile(99))))
                    .append(",\"max_ms\":").append(f(ms(l.max()))).append('}');
            sep = ",";
        }
        j.append("},\"client_cpu_s\":").append(f(clientCpu / 1e9)).append(",\"server_cpu_s\":").append(f(serverCpu))
                .append(",\"other_cpu_s\":").append(f(othersCpu)).append('}');
        out.println("RESULT " + j);
        return findings.total() == 0 && commands > 0 ? 0 : 1;
    }

    private int search(SSLContext tls, int user, PrintStream out) throws Exception {
        Findings findings = new Findings(Math.max(examples, examplesFile == null ? 0 : 50));
        double serverCpu0 = serverPid > 0 ? ProcessTreeCpu.seconds(serverPid) : -1;
        double machineCpu0 = MachineCpu.busySeconds();
        long clientCpu0 = processCpuNanos();
        long start = System.nanoTime();
        SearchLatency.Outcome o = SearchLatency.run(tls, port, user, domain, password, Math.max(1, messages), rounds,
                seed, timeout, findings);
        double seconds = (System.nanoTime() - start) / 1e9;
        long clientCpu = processCpuNanos() - clientCpu0;
        double serverCpu = serverCpuSince(serverCpu0);
        double machineCpu = MachineCpu.busySeconds() - machineCpu0;
        double othersCpu = serverCpu >= 0 && machineCpu0 >= 0 ? machineCpu - serverCpu - clientCpu / 1e9 : -1;
        out.printf(Locale.ROOT, "imap search %s 127.0.0.1:%d, user%d@%s (%d messages seeded), SELECT %.1f ms, %d rounds%n",
                label, port, user, domain, messages, ms(o.selectNanos()), rounds);
        out.printf(Locale.ROOT, "%-24s %9s %9s %9s %9s %11s%n", "UID SEARCH", "cold ms", "p50 ms", "p99 ms", "max ms",
                "mean hits");
        StringBuilder j = new StringBuilder("{\"mode\":\"search\",\"label\":").append(q(label)).append(",\"user\":")
                .append(user).append(",\"seeded\":").append(messages).append(",\"rounds\":").append(rounds)
                .append(",\"select_ms\":").append(f(ms(o.selectNanos()))).append(",\"wall_s\":").append(f(seconds))
                .append(",\"kinds\":{");
        String sep = "";
        for (String k : SearchLatency.KINDS) {
            LatencyStats l = o.warm().get(k);
            out.printf(Locale.ROOT, "%-24s %9.2f %9.2f %9.2f %9.2f %11.1f%n", k, ms(o.cold().get(k)),
                    ms(l.percentile(50)), ms(l.percentile(99)), ms(l.max()), o.meanResults().get(k));
            j.append(sep).append(q(k)).append(":{\"cold_ms\":").append(f(ms(o.cold().get(k)))).append(",\"p50_ms\":")
                    .append(f(ms(l.percentile(50)))).append(",\"p99_ms\":").append(f(ms(l.percentile(99))))
                    .append(",\"mean_hits\":").append(f(o.meanResults().get(k))).append('}');
            sep = ",";
        }
        out.printf(Locale.ROOT, "header keys: p50 %.2f ms  p99 %.2f ms;  flag keys: p50 %.2f ms  p99 %.2f ms"
                + "  (issue 14 target: p99 < 100 ms)%n", ms(o.header().percentile(50)), ms(o.header().percentile(99)),
                ms(o.flags().percentile(50)), ms(o.flags().percentile(99)));
        if (serverCpu >= 0) {
            out.printf(Locale.ROOT, "server CPU  %.2f s over %.1f s%n", serverCpu, seconds);
        }
        if (othersCpu >= 0) {
            out.printf(Locale.ROOT, "other CPU   %.2f s (%.0f%% of one core): the machine's busy time less server and client%n",
                    othersCpu, 100.0 * othersCpu / seconds);
        }
        out.printf(Locale.ROOT, "protocol errors %d%n", findings.total());
        printExamples(findings, out);
        j.append("},\"header_p50_ms\":").append(f(ms(o.header().percentile(50)))).append(",\"header_p99_ms\":")
                .append(f(ms(o.header().percentile(99)))).append(",\"flags_p50_ms\":")
                .append(f(ms(o.flags().percentile(50)))).append(",\"flags_p99_ms\":")
                .append(f(ms(o.flags().percentile(99)))).append(",\"protocol_errors\":").append(findings.total())
                .append(",\"server_cpu_s\":").append(f(serverCpu)).append(",\"other_cpu_s\":").append(f(othersCpu))
                .append('}');
        out.println("RESULT " + j);
        return findings.total() == 0 ? 0 : 1;
    }

    /**
     * The server's CPU seconds since the first sample, taken a second after the last client left: a
     * server that forks a process per connection (Dovecot) counts an exited one only once it has
     * waited for it.
     */
    private double serverCpuSince(double first) throws InterruptedException {
        if (serverPid <= 0 || first < 0) {
            return -1;
        }
        TimeUnit.SECONDS.sleep(1);
        double last = ProcessTreeCpu.seconds(serverPid);
        return last < 0 ? -1 : last - first;
    }

    /** One connection before the run, to name the TLS version and cipher suite in the report. */
    private String probe(SSLContext tls) {
        try (ImapTlsConnection c = ImapTlsConnection.open(tls, port, timeout * 1000)) {
            return c.protocol();
        } catch (java.io.IOException e) {
            return "TLS probe failed: " + e.getMessage();
        }
    }

    private void printExamples(Findings findings, PrintStream out) throws java.io.IOException {
        StringBuilder file = new StringBuilder();
        for (Violation.Kind k : Violation.Kind.values()) {
            List<String> kept = findings.examples(k);
            for (int i = 0; i < kept.size(); i++) {
                if (i < examples) {
                    out.println("example " + kept.get(i));
                }
                file.append(kept.get(i)).append('\n');
            }
        }
        if (examplesFile != null) {
            Files.writeString(examplesFile, file);
        }
    }

    /** "A..B" or "A" as {A, B}, or null. */
    static int[] range(String text) {
        try {
            String[] parts = text.split("\\.\\.", -1);
            int a = Integer.parseInt(parts[0].trim());
            int b = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : a;
            return parts.length <= 2 && a >= 1 && b >= a ? new int[] {a, b} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
