package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.SpamModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The {@link SpamModels} contract (docs/filtering.md). */
public abstract class SpamModelsContract extends StorageContractSupport {

    private SpamModels models() {
        return storage.spamModels();
    }

    @Test
    void aModelIsWrittenWithCompareAndSetOnItsVersionAndSurvivesAReopen() throws Exception {
        String owner = ALICE.canonical();
        assertThat(await(models().load(owner))).isEmpty();
        assertThat(await(models().save(owner, new byte[] {1, 2, 3}, 1))).as("nothing stored: version 0").isFalse();
        assertThat(await(models().save(owner, new byte[] {1, 2, 3}, 0))).isTrue();
        assertThat(await(models().save(owner, new byte[] {9}, 0))).as("stored already").isFalse();

        SpamModels.Model first = await(models().load(owner)).orElseThrow();
        assertThat(first.bytes()).containsExactly(1, 2, 3);
        assertThat(first.version()).isEqualTo(1);
        assertThat(await(models().save(owner, new byte[] {4, 5}, 1))).isTrue();
        assertThat(await(models().save(owner, new byte[] {6}, 1))).as("a stale version").isFalse();

        reopen();
        SpamModels.Model second = await(storage.spamModels().load(owner)).orElseThrow();
        assertThat(second.bytes()).containsExactly(4, 5);
        assertThat(second.version()).isEqualTo(2);
        assertThat(await(storage.spamModels().load(SpamModels.GLOBAL))).as("one model per owner").isEmpty();
    }

    @Test
    void ofWritersRacingFromOneVersionExactlyOneWins() {
        String owner = SpamModels.GLOBAL;
        assertThat(await(models().save(owner, new byte[1000], 0))).isTrue();
        List<CompletableFuture<Boolean>> racing = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] bytes = new byte[1000];
            bytes[0] = (byte) i;
            racing.add(models().save(owner, bytes, 1).toCompletableFuture());
        }
        long won = racing.stream().filter(CompletableFuture::join).count();
        assertThat(won).isEqualTo(1);
        SpamModels.Model stored = await(models().load(owner)).orElseThrow();
        assertThat(stored.version()).isEqualTo(2);
        int winner = 0;
        while (!racing.get(winner).join()) {
            winner++;
        }
        assertThat(stored.bytes()[0]).isEqualTo((byte) winner);
    }

    @Test
    void whatAMessageWasTrainedAsIsKeptPerOwnerAndReplaced() throws Exception {
        assertThat(await(models().trainedAs(ALICE.canonical(), "m1"))).isEmpty();
        await(models().markTrained(ALICE.canonical(), "m1", SpamModels.Verdict.SPAM));
        await(models().markTrained(BOB.canonical(), "m1", SpamModels.Verdict.HAM));
        assertThat(await(models().trainedAs(ALICE.canonical(), "m1"))).contains(SpamModels.Verdict.SPAM);
        assertThat(await(models().trainedAs(BOB.canonical(), "m1"))).contains(SpamModels.Verdict.HAM);

        await(models().markTrained(ALICE.canonical(), "m1", SpamModels.Verdict.HAM));
        reopen();
        assertThat(await(storage.spamModels().trainedAs(ALICE.canonical(), "m1"))).contains(SpamModels.Verdict.HAM);
    }

    @Test
    void deletingAnOwnerForgetsItsModelAndTrainingAndNothingElse() {
        await(models().save(ALICE.canonical(), new byte[] {1}, 0));
        await(models().save(BOB.canonical(), new byte[] {2}, 0));
        await(models().markTrained(ALICE.canonical(), "m1", SpamModels.Verdict.SPAM));
        await(models().markTrained(BOB.canonical(), "m1", SpamModels.Verdict.SPAM));

        await(models().delete(ALICE.canonical()));

        assertThat(await(models().load(ALICE.canonical()))).isEmpty();
        assertThat(await(models().trainedAs(ALICE.canonical(), "m1"))).isEmpty();
        assertThat(await(models().load(BOB.canonical()))).isPresent();
        assertThat(await(models().trainedAs(BOB.canonical(), "m1"))).isPresent();
        assertThat(await(models().save(ALICE.canonical(), new byte[] {3}, 0))).as("starts again at 0").isTrue();
    }

    /**
     * A model grows with what it learns (12 MB for the 3,125 messages of the corpus's development set);
     * 40 MiB is more than one CQL message or one Cassandra mutation holds (16 MiB by default).
     */
    @Test
    void aModelOfTensOfMegabytesIsStoredWholeAndReplacedByASmallerOne() throws Exception {
        byte[] big = pattern(40 * 1024 * 1024 + 17, 31);
        assertThat(await(models().save(ALICE.canonical(), big, 0))).isTrue();
        SpamModels.Model loaded = await(models().load(ALICE.canonical())).orElseThrow();
        assertThat(loaded.version()).isEqualTo(1);
        assertThat(loaded.bytes()).isEqualTo(big);

        byte[] bigger = pattern(41 * 1024 * 1024, 7);
        assertThat(await(models().save(ALICE.canonical(), bigger, 1))).isTrue();
        assertThat(await(models().load(ALICE.canonical())).orElseThrow().bytes()).isEqualTo(bigger);

        byte[] small = pattern(1000, 3);
        assertThat(await(models().save(ALICE.canonical(), small, 2))).isTrue();
        assertThat(await(models().save(ALICE.canonical(), big, 2))).as("a stale version").isFalse();
        reopen();
        SpamModels.Model last = await(storage.spamModels().load(ALICE.canonical())).orElseThrow();
        assertThat(last.version()).isEqualTo(3);
        assertThat(last.bytes()).isEqualTo(small);
        assertThat(await(storage.spamModels().save(ALICE.canonical(), new byte[0], 3))).isTrue();
        assertThat(await(storage.spamModels().load(ALICE.canonical())).orElseThrow().bytes()).isEmpty();
    }

    private static byte[] pattern(int size, int step) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * step + i / 1_000_003);
        }
        return bytes;
    }
}
