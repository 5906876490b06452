package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.protocol.Listening;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.HazelcastMailboxEvents;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.Accounts;
import io.yubin.store.AppendResult;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.backends.FreePorts;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster-wide mailbox events (docs/scaling.md): three Hazelcast members in this JVM joined over
 * TCP-IP, real IMAP servers on two of them, all on one shared store. Member B delivers as
 * {@code LocalDelivery} does (append, then publish on its own member); member C runs the second
 * client. An IDLE session on A must hear of everything within a second, and must converge when the
 * events never come: by its periodic re-check, and when cluster membership changes.
 */
class ClusterWideIdleTest {

    private static final String PASSWORD = "correct horse battery staple";
    private static final String MESSAGE = "From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n";

    @TempDir
    static Path dir;

    private static String clusterName;
    private static List<String> addresses;
    /** Listed in every member's join list, started only by the test of a member joining. */
    private static int laterMemberPort;
    private static ClusterMember a;
    private static ClusterMember b;
    private static ClusterMember c;
    private static HazelcastMailboxEvents eventsA;
    private static HazelcastMailboxEvents eventsB;
    private static HazelcastMailboxEvents eventsC;
    private static Vertx vertx;
    private static Storage storage;
    private static Accounts accounts;
    /** On member A with the default IDLE re-check (30 s): only events and membership changes wake it. */
    private static ImapServer onA;
    /** On member A, re-checking every second. */
    private static ImapServer onARechecking;
    private static ImapServer onC;

    @BeforeAll
    static void start() throws Exception {
        List<Integer> ports = List.of(freePort(), freePort(), freePort(), freePort());
        addresses = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        clusterName = "idle-" + ProcessHandle.current().pid();
        a = member(ports.get(0));
        b = member(ports.get(1));
        c = member(ports.get(2));
        laterMemberPort = ports.get(3);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> a.instance().getCluster().getMembers().size() == 3);
        eventsA = new HazelcastMailboxEvents(a.instance());
        eventsB = new HazelcastMailboxEvents(b.instance());
        eventsC = new HazelcastMailboxEvents(c.instance());

        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        storage = EmbeddedStorage.open(dir.resolve("data"));
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        await(accounts.addDomain(Domain.parse("example.test")));
        onA = server(eventsA, null);
        onARechecking = server(eventsA, Duration.ofSeconds(1));
        onC = server(eventsC, null);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ImapServer s : List.of(onA, onARechecking, onC)) {
            s.close().await(20, TimeUnit.SECONDS);
        }
        vertx.close().await(20, TimeUnit.SECONDS);
        eventsA.close();
        eventsB.close();
        eventsC.close();
        accounts.close();
        storage.close();
        c.close();
        b.close();
        a.close();
    }

    @Test
    void idleOnOneMemberHearsWithinASecondOfDeliveryFlagsAndExpungesOnOthers() throws Exception {
        MailAddress alice = user("alice");
        try (RawImapClient idle = login(onA, alice); RawImapClient other = login(onC, alice)) {
            idle.command("s", "SELECT INBOX");
            idle.send("i IDLE\r\n");
            assertThat(idle.line()).isEqualTo("+ idling");

            // Delivered by member B.
            long start = System.nanoTime();
            AppendResult first = deliver(alice, true);
            expectWithinASecond(idle, start, l -> l.equals("* 1 EXISTS"));

            // Flags changed through member C's IMAP server.
            other.command("s", "SELECT INBOX");
            start = System.nanoTime();
            assertThat(other.command("f", "STORE 1 +FLAGS.SILENT (\\Flagged)")).last().isEqualTo("f OK STORE completed");
            expectWithinASecond(idle, start, l -> l.startsWith("* 1 FETCH (FLAGS (") && l.contains("\\Flagged"));

            // Expunged through member C ...
            start = System.nanoTime();
            other.command("d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
            assertThat(other.command("e", "EXPUNGE")).last().isEqualTo("e OK EXPUNGE completed");
            expectWithinASecond(idle, start, l -> l.equals("* 1 EXPUNGE"));

            // ... and by member B directly in the store (as an admin or a retention job would).
            deliver(alice, true);
            expectWithinASecond(idle, System.nanoTime(), l -> l.equals("* 1 EXISTS"));
            Mailbox inbox = inbox(alice);
            start = System.nanoTime();
            List<Long> gone = await(storage.mailboxes().expunge(inbox.id(), UidSet.ALL, false));
            eventsB.publish(new MailboxEvent(alice, inbox.id(), MailboxEvent.Kind.EXPUNGED, gone.get(0), 0));
            expectWithinASecond(idle, start, l -> l.equals("* 1 EXPUNGE"));
            assertThat(gone).doesNotContain(first.uid());

            idle.send("DONE\r\n");
            assertThat(idle.until("i")).last().isEqualTo("i OK IDLE terminated");
        }
    }

    @Test
    void idleAndNoopConvergeOnMailWhoseEventWasLost() throws Exception {
        MailAddress bob = user("bob");
        try (RawImapClient idle = login(onARechecking, bob); RawImapClient polling = login(onC, bob)) {
            idle.command("s", "SELECT INBOX");
            polling.command("s", "SELECT INBOX");
            idle.send("i IDLE\r\n");
            assertThat(idle.line()).isEqualTo("+ idling");

            deliver(bob, false);

            // No event ever comes: the IDLE re-check (1 s here) reads the store by itself ...
            assertThat(linesUntil(idle, l -> l.equals("* 1 EXISTS"))).isNotEmpty();
            // ... and NOOP reads it every time (RFC 9051 §6.1.2).
            assertThat(polling.command("n", "NOOP")).contains("* 1 EXISTS");
            idle.send("DONE\r\n");
            assertThat(idle.until("i")).last().isEqualTo("i OK IDLE terminated");
        }
    }

    @Test
    void aMemberJoiningTheClusterMakesIdleSessionsReadTheStore() throws Exception {
        MailAddress carol = user("carol");
        try (RawImapClient idle = login(onA, carol)) {
            idle.command("s", "SELECT INBOX");
            idle.send("i IDLE\r\n");
            assertThat(idle.line()).isEqualTo("+ idling");
            // Mail whose event was lost (say its publisher died), then a member (re)joins: member A
            // cannot know what it missed meanwhile, so its sessions look, well before the 30 s re-check.
            deliver(carol, false);
            try (ClusterMember joining = member(laterMemberPort)) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> a.instance().getCluster().getMembers().size() == 4);
                assertThat(linesUntil(idle, l -> l.equals("* 1 EXISTS"))).isNotEmpty();
            }
            idle.send("DONE\r\n");
            assertThat(idle.until("i")).last().isEqualTo("i OK IDLE terminated");
        }
    }

    /** Appends as delivery does; publishes the event on member B unless it is to be lost. */
    private static AppendResult deliver(MailAddress user, boolean publish) throws Exception {
        StoredBlob blob = await(storage.blobs().put(new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.UTF_8))));
        Mailbox inbox = inbox(user);
        AppendResult result = await(storage.mailboxes().append(inbox.id(), new NewMessage(blob, Instant.now(),
                Flags.NONE, null)));
        if (publish) {
            eventsB.publish(new MailboxEvent(user, inbox.id(), MailboxEvent.Kind.APPENDED, result.uid(),
                    result.modSeq()));
        }
        return result;
    }

    /** Reads lines until one matches (the client's read timeout bounds it) and checks it came within 1 s. */
    private static void expectWithinASecond(RawImapClient client, long startNanos, Predicate<String> wanted)
            throws IOException {
        List<String> lines = linesUntil(client, wanted);
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        assertThat(lines).as("lines until the expected one").isNotEmpty();
        assertThat(millis).as("milliseconds until %s", lines.get(lines.size() - 1)).isLessThan(1000);
    }

    private static List<String> linesUntil(RawImapClient client, Predicate<String> wanted) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = client.line();
            if (l == null) {
                return List.of();
            }
            lines.add(l);
            if (wanted.test(l)) {
                return lines;
            }
        }
    }

    private static ImapServer server(HazelcastMailboxEvents events, Duration idleRecheck) throws Exception {
        return ImapServer.start(vertx, new ImapServer.Options("imap.example.test", "127.0.0.1", 0, -1, null, false,
                true, null, null, Listening.defaults(), ImapServer.Pools.DEFAULT, idleRecheck), storage, accounts,
                events).await(20, TimeUnit.SECONDS);
    }

    private static RawImapClient login(ImapServer server, MailAddress user) throws Exception {
        RawImapClient client = new RawImapClient(server.actualPort());
        assertThat(client.line()).startsWith("* OK");
        assertThat(client.command("a", "LOGIN " + user + " \"" + PASSWORD + "\"")).last().asString()
                .startsWith("a OK");
        return client;
    }

    private static MailAddress user(String localPart) throws Exception {
        MailAddress address = new MailAddress(localPart, Domain.parse("example.test"));
        await(accounts.addUser(address, PASSWORD.toCharArray(), QuotaLimits.NONE));
        return address;
    }

    private static Mailbox inbox(MailAddress user) throws Exception {
        return await(storage.mailboxes().find(user, MailboxPath.INBOX)).orElseThrow();
    }

    private static ClusterMember member(int port) {
        return ClusterMember.startEmbedded(new ClusterMember.Options(clusterName, "127.0.0.1", port).joining(addresses));
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
