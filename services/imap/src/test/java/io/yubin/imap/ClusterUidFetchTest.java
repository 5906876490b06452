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
import io.yubin.queue.PartitionRoutedMailboxStore;
import io.yubin.store.Accounts;
import io.yubin.store.AppendResult;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.testing.backends.FreePorts;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof of issue 16 item 4 with a real IMAP client (docs/architecture.md §4.3, docs/scaling.md):
 * three Hazelcast members, each with its own Cassandra session, deliver concurrently to one INBOX
 * (as {@code LocalDelivery} does, through {@link PartitionRoutedMailboxStore}) while a client of the
 * IMAP server on a fourth member runs {@code UID FETCH n:* (UID)} again and again, n one above the
 * highest UID it has seen. It never sees a UID below one it was already shown, and no UID twice.
 */
class ClusterUidFetchTest {

    private static final int MEMBERS = 3;
    private static final int WORKERS_PER_MEMBER = 3;
    private static final int MESSAGES_PER_WORKER = 20;
    private static final String PASSWORD = "correct horse battery staple";
    private static final Pattern FETCH_UID = Pattern.compile("^\\* (\\d+) FETCH \\(UID (\\d+)\\)$");
    private static final Pattern APPENDUID = Pattern.compile("^\\S+ OK \\[APPENDUID \\d+ (\\d+)\\].*");

    @TempDir
    static Path dir;

    private static final List<AutoCloseable> open = new ArrayList<>();
    private static CassandraNode cassandra;
    private static Vertx vertx;
    private static final List<ClusterMember> members = new ArrayList<>();
    private static final List<Storage> storages = new ArrayList<>();
    private static final List<PartitionRoutedMailboxStore> routed = new ArrayList<>();
    private static Accounts accounts;

    /** Four Hazelcast members, each with its own Cassandra session and its {@link PartitionRoutedMailboxStore}. */
    @BeforeAll
    static void startCluster() throws Exception {
        cassandra = CassandraNodes.start(Files.createTempDirectory(dir, "cassandra-"));
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        CassandraOptions options = CassandraOptions.of(cassandra.contactPoint(), cassandra.localDatacenter(),
                "imap_uids").withRequestTimeout(Duration.ofSeconds(10));
        List<Integer> ports = List.of(freePort(), freePort(), freePort(), freePort());
        List<String> addresses = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        for (int port : ports) {
            ClusterMember member = ClusterMember.startEmbedded(new ClusterMember.Options("imap-uids-"
                    + ProcessHandle.current().pid(), "127.0.0.1", port).joining(addresses));
            open.add(0, member);
            members.add(member);
            Storage storage = CassandraStorage.open(options, FileBlobStore.open(dir.resolve("blobs"), 2));
            open.add(0, storage);
            storages.add(storage);
            PartitionRoutedMailboxStore store = new PartitionRoutedMailboxStore(member.instance(),
                    storage.mailboxes());
            open.add(0, store);
            routed.add(store);
        }
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> members.get(0).instance().getCluster().getMembers().size() == ports.size());
        Storage storage = storages.get(MEMBERS);
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        open.add(0, accounts);
        await(accounts.addDomain(Domain.parse("example.test")));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (vertx != null) {
            vertx.close().await(20, TimeUnit.SECONDS);
        }
        if (cassandra != null) {
            cassandra.close();
        }
    }

    /** Member {@code m}'s storage with its mailbox changes routed to the partition owner, as a server wires it. */
    private static Storage routedStorage(int m) {
        Storage s = storages.get(m);
        return new Storage(s.directory(), routed.get(m), s.spool(), s.blobReferences(), s.blobs(), s.spamModels(), s.accountLocks(), s.administrators(), () -> { });
    }

    /** An IMAP server on member {@code m}, with its own mailbox events. */
    private static ImapServer imapOn(int m) throws Exception {
        HazelcastMailboxEvents events = new HazelcastMailboxEvents(members.get(m).instance());
        open.add(0, events);
        return ImapServer.start(vertx, new ImapServer.Options("imap.example.test", "127.0.0.1", 0, -1,
                null, false, true, null, null, Listening.defaults(), ImapServer.Pools.DEFAULT, null),
                routedStorage(m), accounts, events).await(20, TimeUnit.SECONDS);
    }

    @Test
    void anImapClientOnAnotherMemberNeverSeesAUidLateOrTwiceWhileThreeMembersDeliver() throws Exception {
        Storage readerStorage = storages.get(MEMBERS);
        MailAddress alice = MailAddress.parse("alice@example.test");
        await(accounts.addUser(alice, PASSWORD.toCharArray(), QuotaLimits.NONE));
        Mailbox inbox = await(readerStorage.mailboxes().find(alice, MailboxPath.INBOX)).orElseThrow();
        // The reader's server changes the mailbox too (its SELECT claims \Recent): routed like a server's.
        ImapServer imap = imapOn(MEMBERS);

        StoredBlob blob = await(readerStorage.blobs().put(new ByteArrayInputStream(
                "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))));
        List<HazelcastMailboxEvents> events = new ArrayList<>();
        for (int m = 0; m < MEMBERS; m++) {
            HazelcastMailboxEvents e = new HazelcastMailboxEvents(members.get(m).instance());
            open.add(0, e);
            events.add(e);
        }

        try (RawImapClient client = new RawImapClient(imap.actualPort())) {
            assertThat(client.line()).startsWith("* OK");
            assertThat(client.command("a", "LOGIN alice@example.test \"" + PASSWORD + "\"")).last().asString()
                    .startsWith("a OK");
            assertThat(client.command("s", "SELECT INBOX")).last().asString().startsWith("s OK");

            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int m = 0; m < MEMBERS; m++) {
                for (int w = 0; w < WORKERS_PER_MEMBER; w++) {
                    workers.add(deliverAll(routed.get(m), events.get(m), alice, inbox, blob, m + "-" + w));
                }
            }
            CompletableFuture<Void> delivered = CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new));

            TreeSet<Long> seen = new TreeSet<>();
            List<String> late = new ArrayList<>();
            int commands = 0;
            int total = MEMBERS * WORKERS_PER_MEMBER * MESSAGES_PER_WORKER;
            while (!delivered.isDone() || seen.size() < total) {
                long highest = seen.isEmpty() ? 0 : seen.last();
                List<String> lines = client.command("f" + commands, "UID FETCH " + (highest + 1) + ":* (UID)");
                commands++;
                assertThat(lines).last().asString().startsWith("f" + (commands - 1) + " OK");
                for (String line : lines) {
                    Matcher fetch = FETCH_UID.matcher(line);
                    if (fetch.matches()) {
                        long uid = Long.parseLong(fetch.group(2));
                        if (!seen.contains(uid) && uid < highest) {
                            late.add(uid + " after " + highest);
                        }
                        seen.add(uid);
                    }
                }
                assertThat(commands).as("UID FETCH commands before every message was seen").isLessThan(100_000);
                if (delivered.isCompletedExceptionally()) {
                    delivered.get();
                }
            }
            delivered.get(300, TimeUnit.SECONDS);

            List<Long> stored = await(readerStorage.mailboxes().messages(inbox.id(), UidSet.ALL)).stream()
                    .map(MessageRecord::uid).toList();
            System.out.printf("UID FETCH n:* across members: %d deliveries from %d members, %d UID FETCH "
                    + "commands, %d changes handed to the owner%n", total, MEMBERS, commands,
                    routed.stream().mapToLong(PartitionRoutedMailboxStore::handedOff).sum());
            assertThat(late).as("UIDs shown below one already shown").isEmpty();
            assertThat(stored).hasSize(total).doesNotHaveDuplicates();
            assertThat(seen).containsExactlyElementsOf(stored);
        } finally {
            imap.close().await(20, TimeUnit.SECONDS);
        }
    }

    /**
     * What the 2-member benchmark found (docs/scaling.md): IMAP clients of one account on two members
     * APPEND, STORE and EXPUNGE in one mailbox at once. Each member's IMAP changes run on the
     * mailbox's partition owner, so the two never fence each other out: every command is answered OK,
     * every APPENDUID is distinct, and the mailbox holds what was appended less what was expunged.
     */
    @Test
    void imapClientsOfOneMailboxOnTwoMembersAppendStoreAndExpungeWithoutAnswersOfUnavailable() throws Exception {
        int perServer = 8;
        int appends = 15;
        MailAddress bob = MailAddress.parse("bob@example.test");
        await(accounts.addUser(bob, PASSWORD.toCharArray(), QuotaLimits.NONE));
        Mailbox inbox = await(storages.get(0).mailboxes().find(bob, MailboxPath.INBOX)).orElseThrow();
        List<ImapServer> servers = List.of(imapOn(0), imapOn(1));
        ExecutorService clients = Executors.newFixedThreadPool(2 * perServer);
        try {
            List<Future<List<Long>>> runs = new ArrayList<>();
            for (int c = 0; c < 2 * perServer; c++) {
                int port = servers.get(c % 2).actualPort();
                int client = c;
                runs.add(clients.submit(() -> appendStoreExpunge(port, client, appends)));
            }
            Set<Long> uids = new TreeSet<>();
            int kept = 0;
            for (Future<List<Long>> run : runs) {
                List<Long> appended = run.get(300, TimeUnit.SECONDS);
                assertThat(appended).hasSize(appends);
                uids.addAll(appended);
                kept += appends - 1;
            }
            assertThat(uids).as("APPENDUIDs across both members").hasSize(2 * perServer * appends);
            List<MessageRecord> stored = await(storages.get(2).mailboxes().messages(inbox.id(), UidSet.ALL));
            assertThat(stored).hasSize(kept);
            assertThat(stored).allSatisfy(m -> assertThat(m.flags().contains("$Checked")).isTrue());
            System.out.printf("IMAP on two members, one mailbox: %d APPEND, %d STORE, %d EXPUNGE OK; %d changes "
                    + "handed to the owner%n", 2 * perServer * appends, 2 * perServer * appends, 2 * perServer,
                    routed.stream().mapToLong(PartitionRoutedMailboxStore::handedOff).sum());
        } finally {
            clients.shutdownNow();
            for (ImapServer s : servers) {
                s.close().await(20, TimeUnit.SECONDS);
            }
        }
    }

    /** One client: APPENDs, each followed by a STORE on it; then deletes and expunges its first. */
    private static List<Long> appendStoreExpunge(int port, int client, int appends) throws IOException {
        List<Long> uids = new ArrayList<>();
        try (RawImapClient imap = new RawImapClient(port)) {
            assertThat(imap.line()).startsWith("* OK");
            assertThat(imap.command("a", "LOGIN bob@example.test \"" + PASSWORD + "\"")).last().asString()
                    .startsWith("a OK");
            assertThat(imap.command("s", "SELECT INBOX")).last().asString().startsWith("s OK");
            for (int i = 0; i < appends; i++) {
                String body = "Subject: " + client + "-" + i + "\r\n\r\nbody\r\n";
                List<String> appended = imap.command("p" + i, "APPEND INBOX {" + body.length() + "+}\r\n" + body);
                Matcher ok = APPENDUID.matcher(appended.get(appended.size() - 1));
                assertThat(ok.matches()).as("APPEND answered %s", appended).isTrue();
                long uid = Long.parseLong(ok.group(1));
                uids.add(uid);
                assertThat(imap.command("t" + i, "UID STORE " + uid + " +FLAGS.SILENT ($Checked)")).last().asString()
                        .startsWith("t" + i + " OK");
            }
            assertThat(imap.command("d", "UID STORE " + uids.get(0) + " +FLAGS.SILENT (\\Deleted)")).last()
                    .asString().startsWith("d OK");
            assertThat(imap.command("x", "UID EXPUNGE " + uids.get(0))).last().asString().startsWith("x OK");
            imap.command("z", "LOGOUT");
        }
        return uids;
    }

    /** One delivery worker: one append after the other, each followed by its event, as LocalDelivery does. */
    private static CompletableFuture<Void> deliverAll(MailboxStore store, HazelcastMailboxEvents events,
            MailAddress user, Mailbox inbox, StoredBlob blob, String worker) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < MESSAGES_PER_WORKER; i++) {
            NewMessage m = new NewMessage(blob, Instant.now(), Flags.NONE, "spool-" + worker + "-" + i + "/" + user);
            chain = chain.thenCompose(v -> store.append(inbox.id(), m)).thenAccept((AppendResult r) -> events.publish(
                    new MailboxEvent(user, inbox.id(), MailboxEvent.Kind.APPENDED, r.uid(), r.modSeq())));
        }
        return chain;
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }
}
