package io.yubin.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.backup.LosingStorage.Loss;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A restore during which the storage is lost (a connection reset, a node restarting) runs its writes
 * again and ends whole, whichever of its calls was lost and whether or not the lost call had been
 * applied.
 */
class RestoreAfterALostConnectionTest extends EmbeddedStorages {

    private static final List<Duration> NO_WAIT = List.of(Duration.ZERO);
    /** The storage's calls that change nothing. */
    private static final Pattern READS = Pattern.compile(
            "find.*|is.*|list.*|load|messages|status|subscriptions|aliasTargets|domainQuota|get.*");

    private static byte[] backup(Storage s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new BackupWriter(s, Clock.systemUTC()).write(out, BackupScope.all(), null);
        return out.toByteArray();
    }

    private static List<Archive.Source> sources(byte[] archive) {
        return List.of(() -> new ByteArrayInputStream(archive));
    }

    @Test
    void aConnectionLostAtAnyCallIsRecoveredFromAndTheRestoreIsWhole() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source);
        MailSystems.Snapshot expected = MailSystems.snapshot(source);
        LosingStorage counting = LosingStorage.losing(open("count"), 0, Loss.REPLY);
        new Restorer(counting.storage(), NO_WAIT).restore(sources(archive));
        List<String> methods = counting.methods;
        assertThat(methods).hasSizeGreaterThan(100).contains("addDomain", "setDomainQuota", "addUser", "setTotp",
                "addAppPassword", "subscribe", "addAlias", "save", "create", "put", "restore");

        int tried = 0;
        for (int call = 1; call <= methods.size(); call++) {
            // Every write with its reply lost, the case a client cannot tell from a write never made; and
            // every seventh call with its request lost (whether read or write: nothing applied).
            List<Loss> losses = new ArrayList<>();
            if (!READS.matcher(methods.get(call - 1)).matches()) {
                losses.add(Loss.REPLY);
            }
            if (call % 7 == 1) {
                losses.add(Loss.REQUEST);
            }
            for (Loss loss : losses) {
                tried++;
                try (Storage target = EmbeddedStorage.open(dir.resolve(loss + "-" + call))) {
                    Restorer.Result result = new Restorer(LosingStorage.losing(target, call, loss).storage(), NO_WAIT)
                            .restore(sources(archive));

                    String which = "the " + loss + " of call " + call + " (" + methods.get(call - 1) + ") of "
                            + methods.size() + " lost";
                    assertThat(MailSystems.snapshot(target)).as(which).isEqualTo(expected);
                    assertThat(result.retries()).as(which).isEqualTo(1);
                    assertThat(result.domainsAdded()).as(which).isEqualTo(2);
                    assertThat(result.usersAdded()).as(which).isEqualTo(3);
                    // A store applied whose reply was lost counts as a message there already.
                    assertThat(result.messagesKeptUid() + result.messagesPresent()).as(which).isEqualTo(11);
                    assertThat(result.messagesAppended()).as(which).isZero();
                }
            }
        }
        assertThat(tried).isGreaterThan(50);
    }

    @Test
    void aStorageThatStaysAwayFailsTheRestoreAfterTheLastTryWithItsError() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source);
        LosingStorage losing = LosingStorage.losingFrom(open("target"), 10);

        assertThatThrownBy(() -> new Restorer(losing.storage(), List.of(Duration.ZERO, Duration.ofMillis(10)))
                .restore(sources(archive)))
                .isInstanceOf(StoreException.class).hasMessageContaining("Connection reset");
        // Call 10, then the first call of each of the two tries after it: three lost, none more.
        assertThat(losing.calls.get()).isEqualTo(12);
    }

    @Test
    void aFailureOtherThanALostStorageIsNotTriedAgain() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source);
        LosingStorage refusing = LosingStorage.losing(open("target"), 10, Loss.REFUSED);

        assertThatThrownBy(() -> new Restorer(refusing.storage(), NO_WAIT).restore(sources(archive)))
                .isInstanceOf(StoreException.class).hasMessageContaining("refused at call 10");
        assertThat(refusing.calls.get()).isEqualTo(10);
        assertThat(Restorer.lostStorage(new RuntimeException(StoreException.unavailable("down", null)))).isTrue();
        assertThat(Restorer.lostStorage(new BackupException("an archive cannot be opened again: x"))).isFalse();
    }
}
