package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one crash harness of docs/architecture.md §4.1, §4.2 and §4.4 for every storage path (issue 15):
 * {@code yubin serve} runs as its own process on a {@link Backend}; {@value #SENDERS} SMTP
 * connections send small (inline) and large (file or S3, some multipart) bodies, each to two or
 * three of {@link #USERS}, while the server is SIGKILLed {@value #KILLS} times and started again.
 * The kills come at moments chosen by signals from the senders, never by a clock: in the middle of
 * a large body's DATA, right after a large body's final dot (while the server stores it), and right
 * after a random acknowledgement (while its delivery is likely still pending).
 *
 * <p>At the end, read back over POP3 from the running server: every acknowledged message is in every
 * recipient's mailbox exactly once with the SHA-256 of the octets the client sent; a message that
 * was not acknowledged is either complete in all its recipients' mailboxes or in none; at least one
 * message was acknowledged after the last restart; the queue is empty; every failed transaction got
 * a 4xx or lost its connection (never a 5xx); and once the server is stopped and the collector and
 * orphan sweep have run, exactly one body is stored per delivered message.
 */
final class CrashHarness {

    /** Where the server keeps its data, and how the test looks at it directly. */
    interface Backend extends AutoCloseable {

        /** Points the server at this backend. */
        void configure(ServerProcess server);

        /** The size of a large body: above the inline limit, sometimes above the S3 multipart threshold. */
        int largeBodySize(Random random, boolean first);

        /**
         * Spool ids not finished yet, read while the server is down without touching what the server
         * will find at its restart; null when this backend cannot be read that way.
         */
        Set<String> unfinishedWhileDown() throws Exception;

        /**
         * With the server stopped: runs the blob collector and the orphan sweep (no grace period), then
         * counts the bodies stored.
         */
        long collectAndCountBodies() throws Exception;

        @Override
        void close() throws Exception;
    }

    static final int SENDERS = 8;
    /** Kills on the embedded default; a backend may take fewer (each of the three moments at least twice). */
    static final int KILLS = 10;
    /** More kills, only when none of the planned ones caught an undelivered spool entry. */
    private static final int EXTRA_KILLS = 6;
    private static final int PERMITS_PER_ROUND = 40;
    private static final int ACKS_AFTER_LAST_RESTART = 10;
    static final List<String> USERS = List.of("alice@example.test", "bob@example.test", "carol@example.test");
    private static final String PASSWORD = "a long secret phrase";
    private static final int SMALL_MAX = 16 * 1024;
    private static final Duration SIGNAL_WAIT = Duration.ofSeconds(90);
    private static final Pattern CRASH_ID = Pattern.compile("\r\nX-Crash-Id: (\\d+)\r\n");
    private static final Pattern SPOOL_ID = Pattern.compile("\\sid ([0-9A-Za-z]+)");
    private static final byte[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            .getBytes(StandardCharsets.US_ASCII);

    /** When a round's kill comes. */
    enum Moment { MID_DATA, AFTER_DOT, ON_ACK }

    /** One round's kill: armed by the harness, fired by the sender that reaches the moment. */
    private static final class Trigger {
        final Moment moment;
        final int ackTarget;
        final AtomicBoolean claimed = new AtomicBoolean();
        final CountDownLatch fired = new CountDownLatch(1);
        final CountDownLatch released = new CountDownLatch(1);

        Trigger(Moment moment, int ackTarget) {
            this.moment = moment;
            this.ackTarget = ackTarget;
        }
    }

    /** A message a client sent (or began to): its recipients and the SHA-256 of its octets. */
    record Sent(int id, List<String> recipients, String sha256, int size) {
    }

    /** One message as POP3 returned it. */
    record Retrieved(int crashId, String spoolId, String sha256) {
    }

    private final ServerProcess server;
    private final Backend backend;
    private final Map<Integer, Sent> sent = new ConcurrentHashMap<>();
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger acks = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final List<Throwable> senderFailures = new CopyOnWriteArrayList<>();
    private final Semaphore permits = new Semaphore(0);
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private final AtomicReference<Trigger> trigger = new AtomicReference<>();
    private final AtomicInteger largeAcknowledged = new AtomicInteger();
    private volatile CountDownLatch up = new CountDownLatch(0);

    CrashHarness(ServerProcess server, Backend backend) {
        this.server = server;
        this.backend = backend;
    }

    /** Runs the whole scenario with {@link #KILLS} kills. */
    void run(boolean requireUndeliveredAtAKill) throws Exception {
        run(requireUndeliveredAtAKill, KILLS);
    }

    /**
     * Runs the whole scenario; {@code requireUndeliveredAtAKill}: some kill must catch undelivered entries;
     * {@code plannedKills}: kills at the three moments in turn.
     */
    void run(boolean requireUndeliveredAtAKill, int plannedKills) throws Exception {
        if (plannedKills < 2 * Moment.values().length) {
            throw new IllegalArgumentException("every moment needs two kills at least");
        }
        backend.configure(server);
        server.environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024").environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
        server.start("start.log");
        server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        for (String user : USERS) {
            server.post("/api/v1/users", "{\"address\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}");
        }

        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        Set<String> undeliveredAtKills = new TreeSet<>();
        int kills = 0;
        try {
            for (int i = 0; i < SENDERS; i++) {
                senders.execute(this::sendLoop);
            }
            Moment[] moments = Moment.values();
            while (kills < plannedKills || (requireUndeliveredAtAKill && undeliveredAtKills.isEmpty()
                    && kills < plannedKills + EXTRA_KILLS)) {
                Moment moment = kills < plannedKills ? moments[kills % moments.length] : Moment.ON_ACK;
                Trigger armed = new Trigger(moment, acks.get() + ThreadLocalRandom.current().nextInt(1, 21));
                trigger.set(armed);
                permits.release(PERMITS_PER_ROUND);
                assertThat(armed.fired.await(SIGNAL_WAIT.toSeconds(), TimeUnit.SECONDS))
                        .as("kill %d (%s) was never reached; sender failures %s", kills + 1, moment, senderFailures)
                        .isTrue();
                up = new CountDownLatch(1);
                server.kill();
                kills++;
                trigger.set(null);
                armed.released.countDown();
                Set<String> undelivered = backend.unfinishedWhileDown();
                if (undelivered != null) {
                    undeliveredAtKills.addAll(undelivered);
                }
                server.start("restart-" + kills + ".log");
                up.countDown();
            }
            int atLastRestart = acks.get();
            permits.release(PERMITS_PER_ROUND);
            await().atMost(SIGNAL_WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> acks.get() >= atLastRestart + ACKS_AFTER_LAST_RESTART || !senderFailures.isEmpty());
        } finally {
            sending.set(false);
            up.countDown();
            Trigger last = trigger.getAndSet(null);
            if (last != null) {
                last.released.countDown();
            }
            senders.shutdown();
            assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).as("senders stopped").isTrue();
        }
        assertThat(senderFailures).as("sender failures").isEmpty();
        assertThat(acknowledged).as("acknowledged").isNotEmpty();
        assertThat(largeAcknowledged.get()).as("large bodies acknowledged").isPositive();
        assertThat(refusals).as("failed transactions answer 4xx, never 5xx").allMatch(r -> r.startsWith("4"));
        if (requireUndeliveredAtAKill) {
            assertThat(undeliveredAtKills).as("spool entries undelivered at some kill").isNotEmpty();
        }

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> server.get("/api/v1/queue").body().contains("\"entries\":[]"));
        Map<Integer, Integer> copies = new HashMap<>();
        Set<String> deliveredSpoolIds = new HashSet<>();
        for (String user : USERS) {
            checkMailbox(user, copies, deliveredSpoolIds);
        }
        for (Map.Entry<Integer, Integer> e : copies.entrySet()) {
            // All or nothing: a message with a copy anywhere has one in each of its recipients' mailboxes.
            assertThat(e.getValue()).as("copies of message %d", e.getKey()).isEqualTo(sent.get(e.getKey()).recipients().size());
        }
        assertThat(copies.keySet()).containsAll(acknowledged);
        assertThat(deliveredSpoolIds).as("spool entries undelivered at a kill, delivered after the restart")
                .containsAll(undeliveredAtKills);

        assertThat(server.terminate()).isEqualTo(0);
        assertThat(backend.collectAndCountBodies()).as("stored bodies after collection: one per delivered message")
                .isEqualTo(copies.size());
    }

    /** Reads {@code user}'s maildrop over POP3 and checks every message against what was sent. */
    private void checkMailbox(String user, Map<Integer, Integer> copies, Set<String> spoolIds) throws Exception {
        List<Retrieved> messages = retrieveAll(user);
        Set<Integer> seen = new HashSet<>();
        for (Retrieved m : messages) {
            Sent s = sent.get(m.crashId());
            assertThat(s).as("%s has message %d, which no client sent", user, m.crashId()).isNotNull();
            assertThat(s.recipients()).as("recipients of message %d", m.crashId()).contains(user);
            assertThat(m.sha256()).as("SHA-256 of message %d in %s's mailbox", m.crashId(), user).isEqualTo(s.sha256());
            assertThat(seen.add(m.crashId())).as("message %d twice in %s's mailbox", m.crashId(), user).isTrue();
            copies.merge(m.crashId(), 1, Integer::sum);
            spoolIds.add(m.spoolId());
        }
        for (int id : acknowledged) {
            if (sent.get(id).recipients().contains(user)) {
                assertThat(seen).as("acknowledged message %d in %s's mailbox", id, user).contains(id);
            }
        }
    }

    private List<Retrieved> retrieveAll(String user) throws Exception {
        try (Socket socket = server.tlsSocket(server.pop3TlsPort())) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            expectOk(readLine(in));
            command(out, "USER " + user);
            expectOk(readLine(in));
            command(out, "PASS " + PASSWORD);
            expectOk(readLine(in));
            command(out, "STAT");
            String stat = readLine(in);
            expectOk(stat);
            int count = Integer.parseInt(stat.split(" ")[1]);
            List<Retrieved> messages = new ArrayList<>();
            for (int n = 1; n <= count; n++) {
                command(out, "RETR " + n);
                expectOk(readLine(in));
                messages.add(parse(user, n, readMultiline(in)));
            }
            command(out, "QUIT");
            return messages;
        }
    }

    private static Retrieved parse(String user, int n, byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        Matcher crash = CRASH_ID.matcher(text);
        assertThat(crash.find()).as("message %d of %s has an X-Crash-Id", n, user).isTrue();
        Matcher spool = SPOOL_ID.matcher(text.substring(0, crash.start()));
        assertThat(spool.find()).as("message %d of %s has a Received id", n, user).isTrue();
        int from = crash.start() + 2;
        return new Retrieved(Integer.parseInt(crash.group(1)), spool.group(1),
                sha256(message, from, message.length - from));
    }

    private static void command(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void expectOk(String line) {
        assertThat(line).startsWith("+OK");
    }

    /** One CRLF-terminated line, without the CRLF. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        int b;
        while ((b = in.read()) >= 0) {
            if (prev == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            prev = b;
        }
        throw new IOException("connection closed");
    }

    /** A POP3 multi-line answer up to the lone dot, dot-unstuffed (RFC 1939 §3), CRLFs kept. */
    private static byte[] readMultiline(InputStream in) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            String line = readLine(in);
            if (line.equals(".")) {
                return message.toByteArray();
            }
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            message.write(unstuffed.getBytes(StandardCharsets.ISO_8859_1));
            message.write('\r');
            message.write('\n');
        }
    }

    /** One sender: transactions over one connection, a new connection once the server is back. */
    private void sendLoop() {
        while (sending.get()) {
            try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
                expect(smtp.line(), "220");
                expect(smtp.smtp("EHLO client.test"), "250");
                while (sending.get()) {
                    if (permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        transaction(smtp);
                    }
                }
            } catch (IOException e) {
                awaitServer();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | AssertionError e) {
                senderFailures.add(e);
                return;
            }
        }
    }

    /** Waits until the harness has started the server again after a kill (a signal, bounded). */
    private void awaitServer() {
        try {
            if (!up.await(SIGNAL_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                senderFailures.add(new AssertionError("the server did not come back"));
                sending.set(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sending.set(false);
        }
    }

    private void transaction(LineClient smtp) throws IOException, InterruptedException {
        Random random = ThreadLocalRandom.current();
        Trigger armed = trigger.get();
        // Every kill waits for a random number of acknowledgements in its round, then for its moment.
        boolean park = armed != null && armed.moment != Moment.ON_ACK && acks.get() >= armed.ackTarget
                && armed.claimed.compareAndSet(false, true);
        boolean large = park || random.nextInt(4) == 0;
        int id = nextId.incrementAndGet();
        List<String> recipients = new ArrayList<>(USERS);
        java.util.Collections.shuffle(recipients, random);
        recipients = List.copyOf(recipients.subList(0, 2 + random.nextInt(2)));
        int size = large ? backend.largeBodySize(random, id % 16 == 0) : 200 + random.nextInt(SMALL_MAX);
        byte[] message = message(id, recipients, size, random.nextLong());
        sent.put(id, new Sent(id, recipients, sha256(message, 0, message.length), message.length));

        String reply = smtp.smtp("MAIL FROM:<sender@remote.test>");
        for (int i = 0; i < recipients.size() && reply.startsWith("250"); i++) {
            reply = smtp.smtp("RCPT TO:<" + recipients.get(i) + ">");
        }
        if (reply.startsWith("250")) {
            reply = smtp.smtp("DATA");
            if (reply.startsWith("354")) {
                byte[] stuffed = dotStuffed(message);
                int half = stuffed.length / 2;
                smtp.write(stuffed, 0, half);
                if (park && armed.moment == Moment.MID_DATA) {
                    fireAndWait(armed);
                }
                smtp.write(stuffed, half, stuffed.length - half);
                smtp.write(END_OF_DATA, 0, END_OF_DATA.length);
                if (park && armed.moment == Moment.AFTER_DOT) {
                    fireAndWait(armed);
                }
                reply = smtp.smtpReply();
                if (reply.startsWith("250")) {
                    acknowledged.add(id);
                    if (large) {
                        largeAcknowledged.incrementAndGet();
                    }
                    int count = acks.incrementAndGet();
                    Trigger current = trigger.get();
                    if (current != null && current.moment == Moment.ON_ACK && count >= current.ackTarget
                            && current.claimed.compareAndSet(false, true)) {
                        current.fired.countDown();
                    }
                    return;
                }
            }
        }
        refusals.add(reply);
        smtp.smtp("RSET");
    }

    private static final byte[] END_OF_DATA = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Fires the kill and waits until the harness has killed the server. */
    private static void fireAndWait(Trigger armed) throws InterruptedException {
        armed.fired.countDown();
        armed.released.await(SIGNAL_WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + reply);
        }
    }

    /**
     * A message of about {@code size} octets: header (X-Crash-Id first, which the check finds after
     * the server's trace fields), then lines of random characters; some start with a dot and one is
     * a lone dot, so dot-stuffing is exercised.
     */
    static byte[] message(int id, List<String> recipients, int size, long seed) {
        Random random = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 200);
        String header = "X-Crash-Id: " + id + "\r\nFrom: <sender@remote.test>\r\nTo: " + String.join(", ", recipients)
                + "\r\nSubject: crash " + id + "\r\nMessage-ID: <crash-" + id + "@test>\r\n\r\n";
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        int line = 0;
        while (out.size() < size) {
            line++;
            if (line == 7) {
                out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
                continue;
            }
            int length = 1 + random.nextInt(76);
            byte[] text = new byte[length];
            for (int i = 0; i < length; i++) {
                text[i] = ALPHABET[random.nextInt(ALPHABET.length)];
            }
            if (line % 13 == 0) {
                text[0] = '.';
            }
            out.writeBytes(text);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    /** RFC 5321 §4.5.2: a line starting with a dot gets one more. */
    static byte[] dotStuffed(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte b : message) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    static String sha256(byte[] octets, int offset, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(octets, offset, length);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Regular files under {@code dir}, recursively, except those under {@code except}. */
    static long countFiles(Path dir, Path except) throws IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).filter(p -> !p.startsWith(except)).count();
        }
    }
}
