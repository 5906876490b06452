package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.Alias;
import io.yubin.store.AliasSource;
import io.yubin.store.AppPassword;
import io.yubin.store.Directory;
import io.yubin.store.QuotaLimits;
import io.yubin.store.StoreException;
import io.yubin.store.Totp;
import io.yubin.store.UserRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link Directory} in Cassandra. Users and aliases share one name space ({@code addresses}),
 * claimed with lightweight transactions so that two servers can never create the same name twice;
 * everything else is plain reads and writes.
 */
final class CassandraDirectory implements Directory {

    private static final String USER = "user";
    private static final String ALIAS = "alias";

    private final Cql cql;

    CassandraDirectory(Cql cql) {
        this.cql = cql;
    }

    @Override
    public CompletionStage<Void> addDomain(Domain domain) {
        return cql.applied("INSERT INTO domains (shard, domain) VALUES (0, ?) IF NOT EXISTS", domain.ascii())
                .thenAccept(applied -> {
                    if (!applied) {
                        throw StoreException.conflict("domain", "domain " + domain + " exists");
                    }
                });
    }

    @Override
    public CompletionStage<Void> removeDomain(Domain domain) {
        return requireDomain(domain, "domain")
                .thenCompose(v -> cql.one("SELECT address FROM domain_users WHERE domain = ? LIMIT 1", domain.ascii()))
                .thenCompose(user -> {
                    if (user.isPresent()) {
                        throw StoreException.conflict("domain", "domain " + domain + " still has users");
                    }
                    return cql.one("SELECT source FROM domain_aliases WHERE domain = ? LIMIT 1", domain.ascii());
                })
                .thenCompose(alias -> {
                    if (alias.isPresent()) {
                        throw StoreException.conflict("domain", "domain " + domain + " still has aliases");
                    }
                    return cql.run("DELETE FROM domains WHERE shard = 0 AND domain = ?", domain.ascii());
                });
    }

    @Override
    public CompletionStage<List<Domain>> listDomains() {
        return cql.all("SELECT domain FROM domains WHERE shard = 0", r -> new Domain(r.getString(0)));
    }

    @Override
    public CompletionStage<Boolean> isLocalDomain(Domain domain) {
        return cql.one("SELECT domain FROM domains WHERE shard = 0 AND domain = ?", domain.ascii())
                .thenApply(Optional::isPresent);
    }

    @Override
    public CompletionStage<Void> addUser(UserRecord user) {
        MailAddress a = user.address();
        return requireDomain(a.domain(), "address")
                .thenCompose(v -> cql.applied("INSERT INTO addresses (address, kind, local_part, domain, password_hash, "
                        + "quota_bytes, quota_messages, created_at, totp_secret, totp_enrolled_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS", a.canonical(), USER, a.localPart(),
                        a.domain().ascii(), user.passwordHash(), user.quota().storageBytes(), user.quota().messages(),
                        CassandraSpool.nanos(user.createdAt()),
                        user.totp().map(Totp::secret).orElse(null),
                        CassandraSpool.nanos(user.totp().map(Totp::enrolledAt).orElse(null))))
                .thenCompose(applied -> {
                    if (!applied) {
                        throw StoreException.conflict("address", "a user or an alias " + a + " exists");
                    }
                    return cql.run("INSERT INTO domain_users (domain, address) VALUES (?, ?)", a.domain().ascii(),
                            a.canonical());
                });
    }

    @Override
    public CompletionStage<Optional<UserRecord>> findUser(MailAddress address) {
        return findUser(address.canonical());
    }

    private CompletionStage<Optional<UserRecord>> findUser(String canonical) {
        return cql.one("SELECT kind, local_part, domain, password_hash, quota_bytes, quota_messages, created_at, "
                + "totp_secret, totp_enrolled_at FROM addresses WHERE address = ?", canonical)
                .thenApply(row -> row.filter(r -> USER.equals(r.getString("kind"))).map(CassandraDirectory::user));
    }

    private static UserRecord user(Row r) {
        String secret = r.getString("totp_secret");
        Optional<Totp> totp = secret == null ? Optional.empty()
                : Optional.of(new Totp(secret, CassandraSpool.instant(r, "totp_enrolled_at")));
        return new UserRecord(new MailAddress(r.getString("local_part"), new Domain(r.getString("domain"))),
                r.getString("password_hash"), new QuotaLimits(r.getLong("quota_bytes"), r.getLong("quota_messages")),
                CassandraSpool.instant(r, "created_at"), totp);
    }

    @Override
    public CompletionStage<Void> setTotp(MailAddress user, Optional<Totp> totp) {
        return cql.applied("UPDATE addresses SET totp_secret = ?, totp_enrolled_at = ? WHERE address = ? IF kind = ?",
                totp.map(Totp::secret).orElse(null), CassandraSpool.nanos(totp.map(Totp::enrolledAt).orElse(null)),
                user.canonical(), USER).thenAccept(applied -> {
                    if (!applied) {
                        throw StoreException.notFound("address", "no user " + user);
                    }
                });
    }

    @Override
    public CompletionStage<Void> setQuota(MailAddress user, QuotaLimits quota) {
        return cql.applied("UPDATE addresses SET quota_bytes = ?, quota_messages = ? WHERE address = ? IF kind = ?",
                quota.storageBytes(), quota.messages(), user.canonical(), USER).thenAccept(applied -> {
                    if (!applied) {
                        throw StoreException.notFound("address", "no user " + user);
                    }
                });
    }

    @Override
    public CompletionStage<Void> setDomainQuota(Domain domain, QuotaLimits quota) {
        return cql.applied("UPDATE domains SET quota_bytes = ?, quota_messages = ? WHERE shard = 0 AND domain = ? "
                + "IF EXISTS", quota.storageBytes(), quota.messages(), domain.ascii()).thenAccept(applied -> {
                    if (!applied) {
                        throw StoreException.notFound("domain", "domain " + domain + " is not local");
                    }
                });
    }

    @Override
    public CompletionStage<QuotaLimits> domainQuota(Domain domain) {
        return cql.one("SELECT quota_bytes, quota_messages FROM domains WHERE shard = 0 AND domain = ?", domain.ascii())
                .thenApply(row -> row.map(r -> new QuotaLimits(r.getLong(0), r.getLong(1))).orElse(QuotaLimits.NONE));
    }

    @Override
    public CompletionStage<Void> setPasswordHash(MailAddress user, String passwordHash) {
        return cql.applied("UPDATE addresses SET password_hash = ? WHERE address = ? IF kind = ?", passwordHash,
                user.canonical(), USER).thenAccept(applied -> {
                    if (!applied) {
                        throw StoreException.notFound("address", "no user " + user);
                    }
                });
    }

    @Override
    public CompletionStage<List<UserRecord>> listUsers(Domain domain) {
        CompletionStage<List<Domain>> domains = domain == null ? listDomains()
                : CompletableFuture.completedFuture(List.of(domain));
        return domains.thenCompose(ds -> Cql.all(ds.stream().map(d -> cql.all(
                "SELECT address FROM domain_users WHERE domain = ?", r -> r.getString(0), d.ascii())).toList()))
                .thenCompose(lists -> Cql.bounded(lists.stream().flatMap(List::stream).toList(), this::findUser))
                .thenApply(users -> {
                    List<UserRecord> out = new ArrayList<>();
                    users.forEach(u -> u.ifPresent(out::add));
                    out.sort(Comparator.comparing(u -> u.address().canonical()));
                    return out;
                });
    }

    @Override
    public CompletionStage<Void> removeUser(MailAddress user) {
        return cql.applied("DELETE FROM addresses WHERE address = ? IF kind = ?", user.canonical(), USER)
                .thenCompose(applied -> {
                    if (!applied) {
                        throw StoreException.notFound("address", "no user " + user);
                    }
                    return cql.all("SELECT secret_hash FROM app_passwords WHERE owner = ?", r -> r.getString(0),
                            user.canonical());
                })
                .thenCompose(hashes -> {
                    List<CompletionStage<?>> work = new ArrayList<>();
                    for (String hash : hashes) {
                        work.add(cql.run("DELETE FROM app_password_owners WHERE secret_hash = ?", hash));
                    }
                    work.add(cql.run("DELETE FROM app_passwords WHERE owner = ?", user.canonical()));
                    work.add(cql.run("DELETE FROM domain_users WHERE domain = ? AND address = ?",
                            user.domain().ascii(), user.canonical()));
                    return cql.parallel(work);
                });
    }

    @Override
    public CompletionStage<Void> addAlias(AliasSource source, MailAddress target) {
        String key = source.canonical();
        return requireDomain(source.domain(), "source")
                .thenCompose(v -> cql.conditional("INSERT INTO addresses (address, kind, domain) VALUES (?, ?, ?) "
                        + "IF NOT EXISTS", key, ALIAS, source.domain().ascii()))
                .thenCompose(existing -> {
                    if (existing.isPresent() && !ALIAS.equals(existing.get().getString("kind"))) {
                        throw StoreException.conflict("source", "a user " + source + " exists");
                    }
                    return cql.applied("INSERT INTO alias_targets (source, target, source_local, target_local, "
                            + "target_domain) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS", key, target.canonical(),
                            source.isCatchAll() ? null : source.address().localPart(), target.localPart(),
                            target.domain().ascii());
                })
                .thenCompose(applied -> {
                    if (!applied) {
                        throw StoreException.conflict("target", "alias " + source + " already has target " + target);
                    }
                    return cql.run("INSERT INTO domain_aliases (domain, source, target) VALUES (?, ?, ?)",
                            source.domain().ascii(), key, target.canonical());
                });
    }

    @Override
    public CompletionStage<Void> removeAlias(AliasSource source, MailAddress target) {
        String key = source.canonical();
        return cql.all("SELECT target FROM alias_targets WHERE source = ?", r -> r.getString(0), key)
                .thenCompose(targets -> {
                    List<String> removing = target == null ? targets
                            : targets.stream().filter(t -> t.equals(target.canonical())).toList();
                    if (removing.isEmpty()) {
                        throw StoreException.notFound("source", "no alias " + source
                                + (target == null ? "" : " -> " + target));
                    }
                    List<CompletionStage<?>> work = new ArrayList<>();
                    for (String t : removing) {
                        work.add(cql.run("DELETE FROM alias_targets WHERE source = ? AND target = ?", key, t));
                        work.add(cql.run("DELETE FROM domain_aliases WHERE domain = ? AND source = ? AND target = ?",
                                source.domain().ascii(), key, t));
                    }
                    boolean last = removing.size() == targets.size();
                    return cql.parallel(work).thenCompose(v -> last
                            ? cql.applied("DELETE FROM addresses WHERE address = ? IF kind = ?", key, ALIAS)
                                    .thenApply(applied -> (Void) null)
                            : CompletableFuture.<Void>completedFuture(null));
                });
    }

    @Override
    public CompletionStage<List<MailAddress>> aliasTargets(AliasSource source) {
        return cql.all("SELECT target_local, target_domain FROM alias_targets WHERE source = ?",
                r -> new MailAddress(r.getString(0), new Domain(r.getString(1))), source.canonical());
    }

    @Override
    public CompletionStage<List<Alias>> listAliases(Domain domain) {
        CompletionStage<List<Domain>> domains = domain == null ? listDomains()
                : CompletableFuture.completedFuture(List.of(domain));
        return domains.thenCompose(ds -> Cql.all(ds.stream().map(d -> cql.all(
                "SELECT source FROM domain_aliases WHERE domain = ?", r -> r.getString(0), d.ascii())).toList()))
                .thenCompose(lists -> Cql.bounded(lists.stream().flatMap(List::stream).distinct().toList(),
                        source -> cql.all("SELECT source_local, target_local, target_domain FROM alias_targets "
                                + "WHERE source = ?", r -> alias(source, r), source)))
                .thenApply(lists -> {
                    List<Alias> out = new ArrayList<>();
                    lists.forEach(out::addAll);
                    out.sort(Comparator.comparing((Alias a) -> a.source().canonical())
                            .thenComparing(a -> a.target().canonical()));
                    return out;
                });
    }

    private static Alias alias(String source, Row r) {
        AliasSource s;
        if (source.startsWith("@")) {
            s = AliasSource.catchAll(new Domain(source.substring(1)));
        } else {
            Domain d = new Domain(source.substring(source.lastIndexOf('@') + 1));
            s = AliasSource.of(new MailAddress(r.getString("source_local"), d));
        }
        return new Alias(s, new MailAddress(r.getString("target_local"), new Domain(r.getString("target_domain"))));
    }

    @Override
    public CompletionStage<Void> addAppPassword(MailAddress user, AppPassword password) {
        return findUser(user).thenCompose(found -> {
            if (found.isEmpty()) {
                throw StoreException.notFound("address", "no user " + user);
            }
            return cql.applied("INSERT INTO app_passwords (owner, id, label, secret_hash, created_at) "
                    + "VALUES (?, ?, ?, ?, ?) IF NOT EXISTS", user.canonical(), password.id(), password.label(),
                    password.secretHash(), CassandraSpool.nanos(password.createdAt()));
        }).thenCompose(applied -> {
            if (!applied) {
                throw StoreException.conflict("id", "app password id " + password.id() + " is taken");
            }
            return cql.run("INSERT INTO app_password_owners (secret_hash, owner_local, owner_domain) VALUES (?, ?, ?)",
                    password.secretHash(), user.localPart(), user.domain().ascii());
        });
    }

    @Override
    public CompletionStage<List<AppPassword>> listAppPasswords(MailAddress user) {
        return cql.all("SELECT id, label, secret_hash, created_at FROM app_passwords WHERE owner = ?",
                r -> new AppPassword(r.getString(0), r.getString(1), r.getString(2), CassandraSpool.instant(r, "created_at")),
                user.canonical()).thenApply(list -> {
                    List<AppPassword> out = new ArrayList<>(list);
                    out.sort(Comparator.comparing(AppPassword::createdAt).thenComparing(AppPassword::id));
                    return out;
                });
    }

    @Override
    public CompletionStage<Void> revokeAppPassword(MailAddress user, String id) {
        return cql.one("SELECT secret_hash FROM app_passwords WHERE owner = ? AND id = ?", user.canonical(), id)
                .thenCompose(row -> {
                    if (row.isEmpty()) {
                        throw StoreException.notFound("id", "no app password " + id + " for " + user);
                    }
                    return cql.parallel(List.of(
                            cql.run("DELETE FROM app_password_owners WHERE secret_hash = ?", row.get().getString(0)),
                            cql.run("DELETE FROM app_passwords WHERE owner = ? AND id = ?", user.canonical(), id)));
                });
    }

    @Override
    public CompletionStage<Optional<MailAddress>> findAppPasswordOwner(String secretHash) {
        return cql.one("SELECT owner_local, owner_domain FROM app_password_owners WHERE secret_hash = ?", secretHash)
                .thenApply(row -> row.map(r -> new MailAddress(r.getString(0), new Domain(r.getString(1)))));
    }

    private CompletionStage<Void> requireDomain(Domain domain, String field) {
        return isLocalDomain(domain).thenAccept(local -> {
            if (!local) {
                throw StoreException.notFound(field, "domain " + domain + " is not local");
            }
        });
    }
}
