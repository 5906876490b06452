package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.store.SpamModels;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@link SpamModels} in the tables of migration V5. A model's version is written with lightweight
 * transactions (Paxos), so two members training one model at once never both win.
 */
final class CassandraSpamModels implements SpamModels {

    private final Cql cql;

    CassandraSpamModels(Cql cql) {
        this.cql = cql;
    }

    @Override
    public CompletionStage<Optional<Model>> load(String owner) {
        return cql.one("SELECT model, version FROM spam_models WHERE owner = ?", owner)
                .thenApply(row -> row.map(CassandraSpamModels::model));
    }

    private static Model model(Row row) {
        ByteBuffer buffer = row.getByteBuffer("model");
        byte[] bytes = new byte[buffer == null ? 0 : buffer.remaining()];
        if (buffer != null) {
            buffer.duplicate().get(bytes);
        }
        return new Model(bytes, row.getLong("version"));
    }

    @Override
    public CompletionStage<Boolean> save(String owner, byte[] bytes, long expected) {
        ByteBuffer model = ByteBuffer.wrap(bytes.clone());
        return expected == 0
                ? cql.applied("INSERT INTO spam_models (owner, version, model) VALUES (?, 1, ?) IF NOT EXISTS", owner, model)
                : cql.applied("UPDATE spam_models SET model = ?, version = ? WHERE owner = ? IF version = ?", model,
                        expected + 1, owner, expected);
    }

    @Override
    public CompletionStage<Optional<Verdict>> trainedAs(String owner, String message) {
        return cql.one("SELECT verdict FROM spam_trained WHERE owner = ? AND message = ?", owner, message)
                .thenApply(row -> row.map(r -> Verdict.valueOf(r.getString("verdict"))));
    }

    @Override
    public CompletionStage<Void> markTrained(String owner, String message, Verdict verdict) {
        return cql.run("INSERT INTO spam_trained (owner, message, verdict) VALUES (?, ?, ?)", owner, message,
                verdict.name());
    }

    @Override
    public CompletionStage<Void> delete(String owner) {
        // The model row is written with LWT; it is deleted with one too (mixing them is not safe).
        return cql.run("DELETE FROM spam_trained WHERE owner = ?", owner)
                .thenCompose(v -> cql.applied("DELETE FROM spam_models WHERE owner = ? IF EXISTS", owner))
                .thenApply(deleted -> null);
    }
}
