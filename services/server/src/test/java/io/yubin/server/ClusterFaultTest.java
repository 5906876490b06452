package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.s3proxy.S3Endpoint;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's fault test (issue 16): three {@code yubin serve} members as one cluster on one
 * Cassandra and one S3 (processes, or containers where Docker is), behind a real HAProxy with the
 * shipped configuration (PROXY protocol v2, readiness checks). {@value #CONNECTIONS} SMTP
 * connections send at least {@value #MESSAGES} messages through HAProxy while the test SIGKILLs one
 * member at a random moment and starts it again, then SIGTERMs another and starts it again.
 * Meanwhile an IMAP client, through HAProxy, IDLEs on alice's INBOX (reconnecting when its member
 * goes) and a second one polls {@code UID FETCH}. Then: every message that got a 250 is in its
 * recipient's mailbox exactly once (a message without a 250 at most once); no client saw a UID out
 * of order or twice; the IDLE client was told of every message of the INBOX; the queue is empty.
 */
@ExtendWith(SharedBackends.class)
class ClusterFaultTest {

    private static final int CONNECTIONS = 20;
    private static final int MESSAGES = 2000;
    private static final long PACE_MILLIS = 1000;
    private static final String PASSWORD = "a long secret phrase";
    private static final List<String> USERS = List.of("alice", "bob", "carol", "dave");
    private static final Pattern FAULT_ID = Pattern.compile("\r\nX-Fault-Id: (\\d+)\r\n");
    private static final Pattern EXISTS = Pattern.compile("^\\* (\\d+) EXISTS$");
    private static final Pattern GREETING = Pattern.compile("^\\* OK \\[CAPABILITY [^]]*\\] (\\S+) .*");
    private static final Pattern FETCH_UID = Pattern.compile("^\\* \\d+ FETCH \\(UID (\\d+)\\)$");

    @TempDir
    Path home;

    /** The recipient of each message sent, by id. */
    private final Map<Integer, String> recipients = new ConcurrentHashMap<>();
    /** Ids of the messages that got a 250. */
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicInteger temporaryFailures = new AtomicInteger();
    private final AtomicInteger unknownOutcomes = new AtomicInteger();
    private final AtomicInteger drainRefusals = new AtomicInteger();
    private final AtomicInteger smtpReconnects = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private final AtomicBoolean watching = new AtomicBoolean(true);

    @Test
    void everyAcknowledgedMessageOnceThroughAKillAndAStopBehindHaproxy() throws Exception {
        long began = System.nanoTime();
        Path logs = Files.createDirectories(Path.of("target", "cluster-fault-lb"));
        CassandraNode cassandra = SharedBackends.cassandra();
        S3Endpoint s3 = SharedBackends.s3();
        int hazelcastPort = ServerProcess.freePort();
        List<String> hosts = List.of("127.0.0.1", "127.0.0.11", "127.0.0.12");
        String members = String.join(",", hosts.stream().map(h -> h + ":" + hazelcastPort).toList());
        String clusterName = "fault-" + ProcessHandle.current().pid();
        List<ServerProcess> servers = new ArrayList<>();
        for (String host : hosts) {
            ServerProcess server = new ServerProcess(home.resolve("data-" + host), logs, host,
                    servers.isEmpty() ? null : servers.get(0));
            configure(server, cassandra, s3, clusterName, host, hazelcastPort, members);
            servers.add(server);
        }
        try {
            startAll(servers, "1");
            ServerProcess first = servers.get(0);
            first.post("/api/v1/domains", "{\"name\":\"example.test\"}");
            for (String user : USERS) {
                first.post("/api/v1/users", "{\"address\":\"" + user + "@example.test\",\"password\":\"" + PASSWORD + "\"}");
            }
            try (HaproxyProcess haproxy = new HaproxyProcess(logs, servers.toArray(ServerProcess[]::new))) {
                run(haproxy, servers, cassandra, s3);
            }
        } finally {
            for (ServerProcess server : servers) {
                server.close();
            }
        }
        System.out.printf("cluster fault test: %.1f s in all%n", (System.nanoTime() - began) / 1e9);
    }

    private void run(HaproxyProcess haproxy, List<ServerProcess> servers, CassandraNode cassandra, S3Endpoint s3)
            throws Exception {
        IdleWatcher idle = new IdleWatcher(haproxy);
        UidPoller poller = new UidPoller(haproxy);
        ExecutorService watchers = Executors.newFixedThreadPool(2);
        ExecutorService senders = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            watchers.execute(idle);
            watchers.execute(poller);
            for (int i = 0; i < CONNECTIONS; i++) {
                senders.execute(() -> sendLoop(haproxy));
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();

            // The member serving the IDLE client dies, so that it must reconnect; the poller's (or,
            // when that is the same, another) is stopped later.
            awaitAcknowledged(200 + random.nextInt(400));
            ServerProcess killed = serving(servers, idle.member.get());
            System.out.printf("SIGKILL %s after %d acknowledged%n", killed.host(), acknowledged.size());
            killed.kill();
            awaitAcknowledged(acknowledged.size() + 100);
            long restart = System.nanoTime();
            killed.start(killed.host() + "-2.log");
            System.out.printf("%s ready again after %.1f s%n", killed.host(), (System.nanoTime() - restart) / 1e9);

            awaitAcknowledged(acknowledged.size() + 300 + random.nextInt(300));
            ServerProcess stopped = serving(servers, poller.member.get());
            if (stopped == killed) {
                stopped = servers.get((servers.indexOf(killed) + 1) % servers.size());
            }
            System.out.printf("SIGTERM %s after %d acknowledged%n", stopped.host(), acknowledged.size());
            stopped.signalTerminate();
            assertThat(stopped.awaitExit(Duration.ofSeconds(40))).as("exit status after SIGTERM").isZero();
            awaitAcknowledged(acknowledged.size() + 100);
            restart = System.nanoTime();
            stopped.start(stopped.host() + "-2.log");
            System.out.printf("%s ready again after %.1f s%n", stopped.host(), (System.nanoTime() - restart) / 1e9);

            awaitAcknowledged(MESSAGES);
        } finally {
            sending.set(false);
            senders.shutdown();
        }
        assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).as("senders finished").isTrue();
        assertThat(failures).as("unexpected replies or client failures").isEmpty();

        long verifying = System.nanoTime();
        ServerProcess any = servers.get(2);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> any.get("/api/v1/queue").body().contains("\"entries\":[]"));
        Map<String, Map<Integer, List<Long>>> boxes = mailboxes(cassandra, s3);

        int[] counted = new int[3];
        for (Map.Entry<Integer, String> sent : recipients.entrySet()) {
            int id = sent.getKey();
            List<Long> uids = boxes.get(sent.getValue()).getOrDefault(id, List.of());
            if (acknowledged.contains(id)) {
                assertThat(uids).as("copies of acknowledged message %d", id).hasSize(1);
                counted[0]++;
            } else {
                assertThat(uids.size()).as("copies of unacknowledged message %d", id).isLessThanOrEqualTo(1);
                counted[uids.isEmpty() ? 2 : 1]++;
            }
        }
        List<Long> inbox = boxes.get("alice").values().stream().flatMap(List::stream).sorted().toList();
        // The IDLE client stays in IDLE: the last messages must reach it by itself.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> idle.exists.get() == inbox.size() || !failures.isEmpty());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> poller.seen.size() == inbox.size() || !failures.isEmpty());
        watching.set(false);
        idle.stop();
        watchers.shutdown();
        assertThat(watchers.awaitTermination(30, TimeUnit.SECONDS)).as("IMAP clients finished").isTrue();
        assertThat(failures).as("IMAP clients").isEmpty();
        assertThat(idle.exists.get()).as("EXISTS the IDLE client was told last").isEqualTo(inbox.size());
        assertThat(List.copyOf(new java.util.TreeSet<>(poller.seen))).as("UIDs the poller saw").isEqualTo(inbox);

        System.out.printf("queue drained and mailboxes read in %.1f s%n", (System.nanoTime() - verifying) / 1e9);
        System.out.printf("sent %d, acknowledged %d (each stored once), 451 %d, 421 %d, reply cut off %d;"
                + " unacknowledged stored %d, not stored %d; SMTP reconnections %d%n", recipients.size(), counted[0],
                temporaryFailures.get(), drainRefusals.get(), unknownOutcomes.get(), counted[1], counted[2],
                smtpReconnects.get());
        System.out.printf("alice's INBOX %d messages; IDLE client: %d connections, %d EXISTS pushed while idling;"
                + " poller: %d connections, %d UID FETCH%n", inbox.size(), idle.connections.get(), idle.pushes.get(),
                poller.connections.get(), poller.polls.get());
    }

    /** The member with that address. */
    private static ServerProcess serving(List<ServerProcess> servers, String host) {
        return servers.stream().filter(s -> s.host().equals(host)).findFirst()
                .orElseThrow(() -> new AssertionError("no member at " + host));
    }

    private static void configure(ServerProcess server, CassandraNode cassandra, S3Endpoint s3, String clusterName,
            String host, int hazelcastPort, String members) {
        ClusterStorage.configure(server, cassandra, s3, "faultlb")
                .environment("YUBIN_CLUSTER_ENABLED", "true")
                .environment("YUBIN_CLUSTER_NAME", clusterName)
                .environment("YUBIN_CLUSTER_BIND_ADDRESS", host)
                .environment("YUBIN_CLUSTER_PORT", String.valueOf(hazelcastPort))
                .environment("YUBIN_CLUSTER_MEMBERS", members)
                .environment("YUBIN_DELIVERY_LEASE_TTL_SECONDS", "3")
                .environment("YUBIN_DELIVERY_SWEEP_INTERVAL_SECONDS", "1")
                .environment("YUBIN_DELIVERY_WORKERS", "8")
                .environment("YUBIN_SHUTDOWN_GRACE_SECONDS", "10")
                .environment("YUBIN_SMTP_PROXY_PROTOCOL", "true")
                .environment("YUBIN_IMAP_PROXY_PROTOCOL", "true")
                .environment("YUBIN_SMTP_MAX_CONNECTIONS_PER_IP", "200")
                .environment("YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH", "true")
                .environment("YUBIN_SMTP_HOSTNAME", host)
                .environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024")
                .environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
    }

    /** Starts the members at once (each waits for its readiness), as a rolling deployment would not. */
    private static void startAll(List<ServerProcess> servers, String generation) throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(servers.size());
        try {
            List<java.util.concurrent.Future<?>> started = new ArrayList<>();
            for (ServerProcess server : servers) {
                started.add(starters.submit(() -> {
                    server.start(server.host() + "-" + generation + ".log");
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : started) {
                f.get(3, TimeUnit.MINUTES);
            }
        } finally {
            starters.shutdownNow();
        }
    }

    private void awaitAcknowledged(int count) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(() -> acknowledged.size() >= count || !failures.isEmpty());
        assertThat(failures).as("unexpected replies or client failures").isEmpty();
    }

    /**
     * One sender: transactions back to back on a connection through HAProxy; a connection that drops
     * (its member killed, or closed after a drain's 421) is opened again. A message whose final reply
     * never came has an unknown outcome; only a 250 is a promise.
     */
    private void sendLoop(HaproxyProcess haproxy) {
        while (sending.get()) {
            try (LineClient smtp = new LineClient(haproxy.connect("SMTP", "127.0.0.2"))) {
                if (!smtp.smtpReply().startsWith("220 ")) {
                    smtpReconnects.incrementAndGet();
                    pause();
                    continue;
                }
                if (!smtp.smtp("EHLO client.test").startsWith("250")) {
                    smtpReconnects.incrementAndGet();
                    continue;
                }
                while (sending.get() && transaction(smtp)) {
                    // Paced (at most 20 messages/s from all connections) so that a member restarting on
                    // the two cores shared by three members, Cassandra and S3 gets its turn.
                    Thread.sleep(PACE_MILLIS);
                }
            } catch (IOException e) {
                // the member went away: open another connection
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | AssertionError e) {
                failures.add("sender: " + e);
                return;
            }
            smtpReconnects.incrementAndGet();
            pause();
        }
    }

    /** One transaction; false when the connection is to be given up (421, or a reply cut off). */
    private boolean transaction(LineClient smtp) throws IOException {
        int id = nextId.incrementAndGet();
        String user = USERS.get(ThreadLocalRandom.current().nextInt(USERS.size()));
        recipients.put(id, user);
        boolean complete = false;
        try {
            String reply = smtp.smtp("MAIL FROM:<sender@remote.test>");
            if (reply.startsWith("250")) {
                reply = smtp.smtp("RCPT TO:<" + user + "@example.test>");
            }
            if (reply.startsWith("250")) {
                reply = smtp.smtp("DATA");
                if (reply.startsWith("354")) {
                    byte[] message = ("From: sender@remote.test\r\nTo: " + user + "@example.test\r\nSubject: fault "
                            + id + "\r\nX-Fault-Id: " + id + "\r\n\r\nmessage " + id + "\r\n.\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    smtp.write(message, 0, message.length);
                    reply = smtp.smtpReply();
                }
            }
            complete = true;
            if (reply.startsWith("250 ")) {
                acknowledged.add(id);
                return true;
            }
            if (reply.startsWith("421")) {
                drainRefusals.incrementAndGet();
                // the member is draining: the transaction was refused, the connection ends
                return false;
            }
            if (!reply.startsWith("4")) {
                failures.add("message " + id + ": " + reply);
                return false;
            }
            temporaryFailures.incrementAndGet();
            return smtp.smtp("RSET").startsWith("250");
        } finally {
            if (!complete) {
                unknownOutcomes.incrementAndGet();
            }
        }
    }

    /** A short pause before connecting again, so a dead member does not make a client spin. */
    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * An IMAP client logged in as alice through HAProxy; {@code member} gets the address of the member
     * serving it (each member greets with its own name, its address).
     */
    private static LineClient imapLogin(HaproxyProcess haproxy, String from, AtomicReference<String> member)
            throws IOException {
        LineClient imap = new LineClient(haproxy.connect("IMAP", from));
        boolean ok = false;
        try {
            Matcher greeting = GREETING.matcher(imap.line());
            if (!greeting.matches()) {
                throw new IOException("no greeting");
            }
            member.set(greeting.group(1));
            imapCommand(imap, "l LOGIN alice@example.test \"" + PASSWORD + "\"", line -> { });
            ok = true;
            return imap;
        } finally {
            if (!ok) {
                imap.close();
            }
        }
    }

    /** Sends a tagged command, hands each untagged line to {@code untagged}, and fails on anything but OK. */
    private static void imapCommand(LineClient imap, String command, java.util.function.Consumer<String> untagged)
            throws IOException {
        String tag = command.substring(0, command.indexOf(' '));
        imap.send(command);
        while (true) {
            String line = imap.line();
            if (line.startsWith(tag + " ")) {
                if (!line.startsWith(tag + " OK")) {
                    throw new IOException(command + ": " + line);
                }
                return;
            }
            if (line.startsWith("* BYE")) {
                throw new IOException(line);
            }
            untagged.accept(line);
        }
    }

    /**
     * Alice's INBOX in IDLE. It keeps the last EXISTS it was told; while connected that number only
     * grows (nothing is expunged in this test), and after a reconnection SELECT tells it again.
     */
    private final class IdleWatcher implements Runnable {
        final AtomicLong exists = new AtomicLong(-1);
        final AtomicInteger pushes = new AtomicInteger();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicReference<String> member = new AtomicReference<>();
        private final HaproxyProcess haproxy;
        private volatile LineClient current;

        IdleWatcher(HaproxyProcess haproxy) {
            this.haproxy = haproxy;
        }

        /** Ends the connection it blocks on in IDLE. */
        void stop() throws IOException {
            LineClient imap = current;
            if (imap != null) {
                imap.close();
            }
        }

        @Override
        public void run() {
            while (watching.get()) {
                try (LineClient imap = imapLogin(haproxy, "127.0.0.3", member)) {
                    current = imap;
                    if (!watching.get()) {
                        return;
                    }
                    connections.incrementAndGet();
                    imapCommand(imap, "s SELECT INBOX", this::untagged);
                    imap.socket().setSoTimeout(0);
                    imap.send("i IDLE");
                    String continuation = imap.line();
                    if (!continuation.startsWith("+")) {
                        throw new IOException("IDLE: " + continuation);
                    }
                    while (watching.get()) {
                        String line = imap.line();
                        if (line.startsWith("* BYE")) {
                            break;
                        }
                        if (EXISTS.matcher(line).matches()) {
                            pushes.incrementAndGet();
                        }
                        untagged(line);
                    }
                } catch (IOException e) {
                    // its member went away: connect again
                } catch (RuntimeException | AssertionError e) {
                    failures.add("IDLE client: " + e);
                    return;
                }
                pause();
            }
        }

        private void untagged(String line) {
            Matcher m = EXISTS.matcher(line);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                long before = exists.getAndSet(n);
                if (n < before) {
                    failures.add("IDLE client: EXISTS went down from " + before + " to " + n);
                }
            }
        }
    }

    /** Alice's INBOX polled with UID FETCH last+1:* (UID): every UID new, each above the last. */
    private final class UidPoller implements Runnable {
        final Set<Long> seen = ConcurrentHashMap.newKeySet();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicReference<String> member = new AtomicReference<>();
        private final HaproxyProcess haproxy;
        private long last;

        UidPoller(HaproxyProcess haproxy) {
            this.haproxy = haproxy;
        }

        @Override
        public void run() {
            while (watching.get()) {
                try (LineClient imap = imapLogin(haproxy, "127.0.0.4", member)) {
                    connections.incrementAndGet();
                    // A hung member fails the test, a slow one (a neighbour restarting on the same two
                    // cores) does not.
                    imap.socket().setSoTimeout(30_000);
                    imapCommand(imap, "s SELECT INBOX", line -> { });
                    int n = 0;
                    while (watching.get()) {
                        imapCommand(imap, "f" + n++ + " UID FETCH " + (last + 1) + ":* (UID)", this::fetched);
                        polls.incrementAndGet();
                        Thread.sleep(100);
                    }
                } catch (SocketTimeoutException e) {
                    failures.add("UID poller: no answer within 30 s");
                    return;
                } catch (IOException e) {
                    // its member went away: connect again
                    pause();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | AssertionError e) {
                    failures.add("UID poller: " + e);
                    return;
                }
            }
        }

        private void fetched(String line) {
            Matcher m = FETCH_UID.matcher(line);
            if (!m.matches()) {
                return;
            }
            long uid = Long.parseLong(m.group(1));
            if (uid > last) {
                seen.add(uid);
                last = uid;
            } else if (!seen.contains(uid)) {
                // "last+1:*" with nothing above last answers the highest UID (RFC 9051 §6.4.8): seen
                // already. A UID below the last seen that was never seen is one that came late.
                failures.add("UID poller: UID " + uid + " appeared after UID " + last);
            }
        }
    }

    /** Per user, the UIDs of each message in the INBOX by X-Fault-Id, read from Cassandra and S3. */
    private static Map<String, Map<Integer, List<Long>>> mailboxes(CassandraNode cassandra, S3Endpoint s3)
            throws Exception {
        Map<String, Map<Integer, List<Long>>> boxes = new HashMap<>();
        try (Storage storage = ClusterStorage.open(cassandra, s3, "faultlb")) {
            for (String user : USERS) {
                Map<Integer, List<Long>> byId = new HashMap<>();
                boxes.put(user, byId);
                var inbox = storage.mailboxes().find(MailAddress.parse(user + "@example.test"), MailboxPath.INBOX)
                        .toCompletableFuture().get(10, TimeUnit.SECONDS);
                if (inbox.isEmpty()) {
                    continue;
                }
                List<MessageRecord> messages = storage.mailboxes().messages(inbox.get().id(), UidSet.ALL)
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
                // Bodies read 16 at a time: one after the other, thousands of GETs took minutes.
                for (int from = 0; from < messages.size(); from += 16) {
                    List<MessageRecord> batch = messages.subList(from, Math.min(messages.size(), from + 16));
                    List<java.util.concurrent.CompletableFuture<byte[]>> bodies = batch.stream()
                            .map(m -> storage.blobs().get(m.blob().id()).toCompletableFuture().thenApply(in -> {
                                try (in) {
                                    return in.readAllBytes();
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            })).toList();
                    for (int i = 0; i < batch.size(); i++) {
                        byte[] body = bodies.get(i).get(30, TimeUnit.SECONDS);
                        Matcher matcher = FAULT_ID.matcher(new String(body, StandardCharsets.ISO_8859_1));
                        assertThat(matcher.find()).as("%s's message %d has an X-Fault-Id", user, batch.get(i).uid())
                                .isTrue();
                        byId.computeIfAbsent(Integer.parseInt(matcher.group(1)), k -> new ArrayList<>())
                                .add(batch.get(i).uid());
                    }
                }
            }
        }
        return boxes;
    }
}
