package io.yubin.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * IMAP benchmark client (docs/benchmarks.md): fills a mailbox by APPEND over several connections,
 * times SELECT and {@code FETCH 1:* (ENVELOPE FLAGS)}, and holds many IDLE connections so the
 * server's heap per connection can be read. Plain IMAP on a port where the server allows LOGIN
 * without TLS (a benchmark setting): TLS would measure the handshakes, not IMAP.
 */
@Command(name = "imap-load", mixinStandardHelpOptions = true,
        description = "IMAP benchmark: populate | select | fetch | idle | mixed")
public final class ImapLoad implements java.util.concurrent.Callable<Integer> {

    @Parameters(index = "0", description = "populate, select, fetch, idle or mixed")
    String mode;

    @Option(names = "--host", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", defaultValue = "1143")
    int port;

    @Option(names = "--user", required = true)
    String user;

    @Option(names = "--password", required = true)
    String password;

    @Option(names = {"-n", "--messages"}, defaultValue = "100000",
            description = "populate: messages to append; fetch, mixed: UIDs 1..n to pick from")
    int messages;

    @Option(names = {"-c", "--connections"}, defaultValue = "16",
            description = "populate, fetch, mixed: parallel connections; idle: connections to hold")
    int connections;

    @Option(names = "--hold-seconds", defaultValue = "30", description = "idle: how long to hold the connections")
    int holdSeconds;

    @Option(names = "--seconds", defaultValue = "60", description = "fetch, mixed: how long to run")
    int seconds;

    @Option(names = "--ready-file", description = "idle: a file written once every connection is idling")
    java.nio.file.Path readyFile;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ImapLoad()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        switch (mode) {
            case "populate":
                return populate();
            case "select":
                return select();
            case "fetch":
                return fetch();
            case "idle":
                return idle();
            case "mixed":
                return mixed();
            default:
                System.err.println("mode must be populate, select, fetch, idle or mixed");
                return 2;
        }
    }

    private int populate() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime();
        List<Future<Long>> done = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            done.add(pool.submit(() -> {
                long appended = 0;
                try (Client c = Client.login(host, port, user, password)) {
                    for (long n = next.getAndIncrement(); n < messages; n = next.getAndIncrement()) {
                        byte[] message = message(n);
                        c.send("a APPEND INBOX {" + message.length + "+}\r\n");
                        c.out.write(message);
                        c.send("\r\n");
                        c.expectOk("a");
                        appended++;
                    }
                }
                return appended;
            }));
        }
        long total = 0;
        for (Future<Long> f : done) {
            total += f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("populate   %d messages over %d connections in %.1f s: %.0f appends/s%n", total,
                connections, seconds, total / seconds);
        return 0;
    }

    private static byte[] message(long n) {
        return ("Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: Sender " + n + " <sender" + n + "@example.org>\r\n"
                + "To: user@bench.test\r\nSubject: message number " + n + "\r\nMessage-ID: <" + n + "@bench.test>\r\n"
                + "\r\n" + "Body of message " + n + ".\r\n".repeat(20)).getBytes(StandardCharsets.US_ASCII);
    }

    private int select() throws Exception {
        try (Client c = Client.login(host, port, user, password)) {
            for (int run = 1; run <= 3; run++) {
                long t0 = System.nanoTime();
                long octets = c.command("s" + run, "SELECT INBOX");
                double ms = (System.nanoTime() - t0) / 1e6;
                System.out.printf("select     run %d: %.1f ms (%d octets of response)%n", run, ms, octets);
            }
            for (int run = 1; run <= 2; run++) {
                long t0 = System.nanoTime();
                long octets = c.command("f" + run, "FETCH 1:* (ENVELOPE FLAGS)");
                double ms = (System.nanoTime() - t0) / 1e6;
                System.out.printf("fetch      run %d: FETCH 1:* (ENVELOPE FLAGS) %.1f ms, %.1f MB%n", run, ms,
                        octets / 1e6);
            }
        }
        return 0;
    }

    /**
     * C connections, each SELECTs INBOX and then, one command at a time until the duration is up, sends
     * {@code UID FETCH u (FLAGS BODY.PEEK[])} for a random u in 1..n. Prints fetches per second and the
     * latency of one fetch, command written to tagged OK read (nearest-rank percentiles over all samples).
     */
    private int fetch() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        List<Future<long[]>> results = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int seed = i;
            results.add(pool.submit(() -> {
                java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                List<Long> latencies = new ArrayList<>();
                try (Client c = Client.login(host, port, user, password)) {
                    c.command("s", "SELECT INBOX");
                    for (long n = 0; System.nanoTime() < deadline; n++) {
                        long uid = 1 + random.nextLong(messages);
                        long t0 = System.nanoTime();
                        c.command("f" + n, "UID FETCH " + uid + " (FLAGS BODY.PEEK[])");
                        latencies.add(System.nanoTime() - t0);
                    }
                }
                return latencies.stream().mapToLong(Long::longValue).toArray();
            }));
        }
        long[] all = new long[0];
        for (Future<long[]> f : results) {
            long[] r = f.get();
            long[] merged = java.util.Arrays.copyOf(all, all.length + r.length);
            System.arraycopy(r, 0, merged, all.length, r.length);
            all = merged;
        }
        pool.shutdown();
        if (all.length == 0) {
            System.err.println("fetch: no fetch completed");
            return 1;
        }
        java.util.Arrays.sort(all);
        System.out.printf("fetch      %d connections, %d s, UIDs 1..%d: %d UID FETCH (FLAGS BODY.PEEK[]), %.0f/s%n",
                connections, seconds, messages, all.length, all.length / (double) seconds);
        System.out.printf("fetch      latency p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms%n",
                rank(all, 0.50) / 1e6, rank(all, 0.90) / 1e6, rank(all, 0.99) / 1e6, all[all.length - 1] / 1e6);
        return 0;
    }

    /** The nearest-rank percentile of sorted samples. */
    private static long rank(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private int idle() throws Exception {
        List<Client> held = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < connections; i++) {
                Client c = Client.login(host, port, user, password);
                c.command("s", "SELECT INBOX");
                c.send("i IDLE\r\n");
                String line = c.line();
                if (!line.startsWith("+")) {
                    throw new IOException("IDLE refused: " + line);
                }
                held.add(c);
                if ((i + 1) % 1000 == 0) {
                    System.out.printf("idle       %d connections idling after %.1f s%n", i + 1,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            System.out.printf("idle       all %d idling after %.1f s; holding %d s%n", held.size(),
                    (System.nanoTime() - t0) / 1e9, holdSeconds);
            if (readyFile != null) {
                java.nio.file.Files.writeString(readyFile, String.valueOf(held.size()));
            }
            TimeUnit.SECONDS.sleep(holdSeconds);
            return 0;
        } finally {
            for (Client c : held) {
                c.close();
            }
        }
    }

    /**
     * C clients each repeating a random operation on INBOX for the duration: SELECT 10 %, UID FETCH of
     * 20 messages (FLAGS ENVELOPE) 30 %, UID STORE of a flag 20 %, APPEND 15 %, SEARCH 15 %, and
     * STORE \Deleted + EXPUNGE of one message 10 %. Prints operations per second and latencies.
     */
    private int mixed() throws Exception {
        String[] names = {"select", "fetch", "store", "append", "search", "expunge"};
        int[] weights = {10, 30, 20, 15, 15, 10};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        List<Future<long[][]>> results = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int seed = i;
            results.add(pool.submit(() -> {
                java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                List<Long>[] latencies = newLists(names.length);
                try (Client c = Client.login(host, port, user, password)) {
                    c.command("s", "SELECT INBOX");
                    long n = 0;
                    while (System.nanoTime() < deadline) {
                        int pick = random.nextInt(100);
                        int op = 0;
                        int bound = weights[0];
                        while (pick >= bound) {
                            bound += weights[++op];
                        }
                        long uid = 1 + random.nextLong(messages);
                        long t0 = System.nanoTime();
                        switch (op) {
                            case 0 -> c.command("a" + n, "SELECT INBOX");
                            case 1 -> c.command("a" + n, "UID FETCH " + uid + ":" + (uid + 19) + " (FLAGS ENVELOPE)");
                            case 2 -> c.command("a" + n, "UID STORE " + uid + (random.nextBoolean() ? " +" : " -")
                                    + "FLAGS.SILENT (\\Seen)");
                            case 3 -> {
                                byte[] m = message(messages + n);
                                c.send("a" + n + " APPEND INBOX {" + m.length + "+}\r\n");
                                c.out.write(m);
                                c.send("\r\n");
                                c.expectOk("a" + n);
                            }
                            case 4 -> c.command("a" + n, random.nextBoolean() ? "UID SEARCH UNSEEN"
                                    : "UID SEARCH SUBJECT \"number " + uid + "\"");
                            default -> {
                                c.command("b" + n, "UID STORE " + uid + " +FLAGS.SILENT (\\Deleted)");
                                c.command("a" + n, "UID EXPUNGE " + uid);
                            }
                        }
                        latencies[op].add(System.nanoTime() - t0);
                        n++;
                    }
                }
                long[][] out = new long[names.length][];
                for (int k = 0; k < names.length; k++) {
                    out[k] = latencies[k].stream().mapToLong(Long::longValue).toArray();
                }
                return out;
            }));
        }
        List<List<Long>> all = new ArrayList<>();
        for (int k = 0; k < names.length; k++) {
            all.add(new ArrayList<>());
        }
        for (Future<long[][]> f : results) {
            long[][] r = f.get();
            for (int k = 0; k < names.length; k++) {
                for (long v : r[k]) {
                    all.get(k).add(v);
                }
            }
        }
        pool.shutdown();
        long total = all.stream().mapToLong(List::size).sum();
        System.out.printf("mixed      %d clients, %d s: %d operations, %.0f ops/s%n", connections, seconds, total,
                total / (double) seconds);
        for (int k = 0; k < names.length; k++) {
            List<Long> l = all.get(k);
            l.sort(null);
            if (l.isEmpty()) {
                continue;
            }
            System.out.printf("mixed      %-8s %6d ops  p50 %7.1f ms  p99 %7.1f ms%n", names[k], l.size(),
                    l.get(l.size() / 2) / 1e6, l.get(Math.min(l.size() - 1, (int) (l.size() * 0.99))) / 1e6);
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static List<Long>[] newLists(int n) {
        List<Long>[] lists = new List[n];
        for (int i = 0; i < n; i++) {
            lists[i] = new ArrayList<>();
        }
        return lists;
    }

    /** A blocking IMAP connection that reads responses, literals included. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        private Client(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        }

        static Client login(String host, int port, String user, String password) throws IOException {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(300_000);
            Client c = new Client(s);
            String greeting = c.line();
            if (!greeting.startsWith("* OK")) {
                throw new IOException("greeting: " + greeting);
            }
            c.command("l", "LOGIN \"" + user + "\" \"" + password + "\"");
            return c;
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Sends a command, reads to its tagged OK; the octets of the whole response. */
        long command(String tag, String command) throws IOException {
            send(tag + " " + command + "\r\n");
            return expectOk(tag);
        }

        long expectOk(String tag) throws IOException {
            long octets = 0;
            while (true) {
                String line = line();
                octets += line.length() + 2;
                if (line.startsWith(tag + " ")) {
                    // Another client expunged a message this one still showed (RFC 5530): expected under load.
                    if (!line.startsWith(tag + " OK") && !line.startsWith(tag + " NO [EXPUNGEISSUED]")) {
                        throw new IOException(line);
                    }
                    return octets;
                }
            }
        }

        String line() throws IOException {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
            int previous = -1;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b == '\n' && previous == '\r') {
                    byte[] bytes = buffer.toByteArray();
                    String text = new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
                    int open = text.lastIndexOf('{');
                    if (text.endsWith("}") && open >= 0) {
                        long n = Long.parseLong(text.substring(open + 1, text.length() - 1));
                        buffer.write('\n');
                        buffer.write(in.readNBytes((int) n));
                        previous = -1;
                        continue;
                    }
                    return text;
                }
                buffer.write(b);
                previous = b;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
