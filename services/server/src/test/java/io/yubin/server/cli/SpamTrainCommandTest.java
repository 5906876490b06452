package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.filter.spam.InMemorySpamModel;
import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code yubin spam train}: bulk training into the configured (embedded) storage, idempotent per message. */
class SpamTrainCommandTest {

    @TempDir
    Path home;

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private Path messages(String name, String word, int count) throws Exception {
        Path dir = Files.createDirectories(home.resolve(name));
        for (int i = 0; i < count; i++) {
            Files.writeString(dir.resolve(String.format("%03d", i)), "From: x@" + name + ".example\r\nSubject: " + word
                    + " " + i + "\r\nMessage-ID: <" + name + i + "@test>\r\n\r\n" + (word + " ").repeat(20) + i + "\r\n");
        }
        return dir;
    }

    private InMemorySpamModel model(Path data, String owner) throws Exception {
        try (Storage storage = EmbeddedStorage.open(data)) {
            return InMemorySpamModel.fromBytes(storage.spamModels().load(owner).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).orElseThrow().bytes());
        }
    }

    @Test
    void trainsTheGlobalModelOrAUsersAndTheGlobalOneOncePerMessage() throws Exception {
        Path data = home.resolve("data");
        Path config = Files.writeString(home.resolve("yubin.yaml"), "data-dir: " + data + "\n");
        Path spam = messages("spam", "casino", 30);
        Path ham = messages("ham", "agenda", 20);

        assertThat(run("spam", "train", "--config", config.toString(), "--spam", spam.toString(), "--ham",
                ham.toString())).as(cli.err()).isZero();
        assertThat(cli.out()).contains("global model: 30 messages as spam: 30 learned, 0 relearned, 0 known already",
                "global model: 20 messages as ham: 20 learned");
        InMemorySpamModel global = model(data, SpamModels.GLOBAL);
        assertThat(global.spamMessages()).isEqualTo(30);
        assertThat(global.hamMessages()).isEqualTo(20);

        // The same ham again, now as spam for alice: her model learns it, the global one relearns it.
        assertThat(run("spam", "train", "--config", config.toString(), "--user", "Alice@Example.test", "--spam",
                ham.toString())).as(cli.err()).isZero();
        assertThat(cli.out()).contains("alice@example.test: 20 messages as spam: 20 learned");
        assertThat(model(data, "alice@example.test").spamMessages()).isEqualTo(20);
        global = model(data, SpamModels.GLOBAL);
        assertThat(global.spamMessages()).isEqualTo(50);
        assertThat(global.hamMessages()).isZero();
    }

    /** An mbox is read a batch at a time: every message of every batch, the last one short, is learned. */
    @Test
    void anMboxOfSeveralBatchesIsLearnedWhole() throws Exception {
        Path data = home.resolve("data");
        Path config = Files.writeString(home.resolve("yubin.yaml"), "data-dir: " + data + "\n");
        int count = 2 * SpamTrainCommand.BATCH + 3;
        StringBuilder box = new StringBuilder();
        for (int i = 0; i < count; i++) {
            box.append("From x@bulk.example Thu Jan  1 00:00:00 2026\nSubject: offer ").append(i)
                    .append("\nMessage-ID: <m").append(i).append("@bulk.example>\n\n>From now on, offer ").append(i)
                    .append("\n\n");
        }
        Path mbox = Files.writeString(home.resolve("junk.mbox"), box);

        assertThat(run("spam", "train", "--config", config.toString(), "--spam", mbox.toString())).as(cli.err()).isZero();
        assertThat(cli.out()).contains("global model: " + count + " messages as spam: " + count + " learned");
        assertThat(model(data, SpamModels.GLOBAL).spamMessages()).isEqualTo(count);
    }

    @Test
    void badArgumentsAreClearErrors() throws Exception {
        Path config = Files.writeString(home.resolve("yubin.yaml"), "data-dir: " + home.resolve("data") + "\n");
        assertThat(run("spam", "train", "--config", config.toString())).isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("give --spam or --ham");
        assertThat(run("spam", "train", "--config", config.toString(), "--spam", home.resolve("missing").toString()))
                .isEqualTo(CliException.FAILED);
        assertThat(cli.err()).contains("no such file or directory");
        Path one = messages("one", "x", 1);
        assertThat(run("spam", "train", "--config", config.toString(), "--user", "not an address", "--spam",
                one.toString())).isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("is not an address");
        assertThat(new String(Files.readAllBytes(one.resolve("000")), StandardCharsets.US_ASCII)).contains("Subject");
    }
}
