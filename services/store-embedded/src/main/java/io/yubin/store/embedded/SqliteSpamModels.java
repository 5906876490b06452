package io.yubin.store.embedded;

import io.yubin.store.SpamModels;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** {@link SpamModels} in the tables of migration V7; one writer connection makes compare-and-set plain. */
final class SqliteSpamModels implements SpamModels {

    private final SqliteDatabase db;

    SqliteSpamModels(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public CompletionStage<Optional<Model>> load(String owner) {
        return db.read(c -> Sql.one(c, "SELECT model, version FROM spam_models WHERE owner = ?",
                rs -> new Model(rs.getBytes(1), rs.getLong(2)), owner));
    }

    @Override
    public CompletionStage<Boolean> save(String owner, byte[] bytes, long expected) {
        byte[] copy = bytes.clone();
        return db.write(c -> expected == 0
                ? Sql.update(c, "INSERT OR IGNORE INTO spam_models (owner, version, model) VALUES (?, 1, ?)", owner, copy) == 1
                : Sql.update(c, "UPDATE spam_models SET model = ?, version = ? WHERE owner = ? AND version = ?", copy,
                        expected + 1, owner, expected) == 1);
    }

    @Override
    public CompletionStage<Optional<Verdict>> trainedAs(String owner, String message) {
        return db.read(c -> Sql.one(c, "SELECT verdict FROM spam_trained WHERE owner = ? AND message = ?",
                rs -> Verdict.valueOf(rs.getString(1)), owner, message));
    }

    @Override
    public CompletionStage<Void> markTrained(String owner, String message, Verdict verdict) {
        return db.write(c -> {
            Sql.update(c, "INSERT INTO spam_trained (owner, message, verdict) VALUES (?, ?, ?) "
                    + "ON CONFLICT (owner, message) DO UPDATE SET verdict = excluded.verdict", owner, message, verdict.name());
            return null;
        });
    }

    @Override
    public CompletionStage<Void> delete(String owner) {
        return db.write(c -> {
            Sql.update(c, "DELETE FROM spam_trained WHERE owner = ?", owner);
            Sql.update(c, "DELETE FROM spam_models WHERE owner = ?", owner);
            return null;
        });
    }
}
