package io.yubin.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.model.MailAddress;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.HazelcastDeliveryCoordination;
import io.yubin.queue.HazelcastDeliveryQueue;
import io.yubin.queue.HazelcastMailboxEvents;
import io.yubin.store.Accounts;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A second cluster member in its own JVM, for {@link MemberDeathTest}: real {@link DeliveryWorkers}
 * with real leases, whose every delivery hangs (the spool's find never answers), so an entry it
 * takes stays leased and renewed until the process is killed. It prints {@code READY} once it has
 * joined and {@code TAKEN <spool id>} when a delivery starts.
 *
 * <p>Arguments: cluster name, member port, the member list (comma-separated host:port), the lease
 * time to live in seconds, a directory for its own (empty) storage.
 */
public final class ForkedMember {

    private ForkedMember() {
    }

    public static void main(String[] args) throws Exception {
        ClusterMember member = ClusterMember.startEmbedded(new ClusterMember.Options(args[0], "127.0.0.1",
                Integer.parseInt(args[1])).joining(Arrays.asList(args[2].split(","))));
        Duration leaseTtl = Duration.ofSeconds(Long.parseLong(args[3]));
        Storage storage = EmbeddedStorage.open(Path.of(args[4]));
        Accounts accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        LocalDelivery hanging = new LocalDelivery(new HangingSpool(storage.spool()), storage.mailboxes(),
                accounts.resolver(), new HazelcastMailboxEvents(member.instance()), Clock.systemUTC(),
                Duration.ofHours(1));
        DeliveryWorkers.start(new HazelcastDeliveryQueue(member.instance()), hanging,
                new HazelcastDeliveryCoordination(member.instance()), new SimpleMeterRegistry(),
                new DeliveryWorkers.Options(1, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(1), leaseTtl));
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** A spool whose finds announce themselves and never complete: a delivery stuck mid-way. */
    private record HangingSpool(Spool spool) implements Spool {

        @Override
        public CompletionStage<Void> accept(SpoolEntry entry) {
            return spool.accept(entry);
        }

        @Override
        public CompletionStage<Optional<SpoolEntry>> find(SpoolId id) {
            System.out.println("TAKEN " + id.value());
            System.out.flush();
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<Void> update(SpoolId id, MailAddress recipient, RecipientState state) {
            return spool.update(id, recipient, state);
        }

        @Override
        public CompletionStage<List<SpoolId>> unfinished(SpoolId after, int limit) {
            return spool.unfinished(after, limit);
        }

        @Override
        public CompletionStage<Void> remove(SpoolId id) {
            return spool.remove(id);
        }
    }
}
