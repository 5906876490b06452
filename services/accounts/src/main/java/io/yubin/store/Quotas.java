package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Storage and message-count quotas (RFC 9208 STORAGE and MESSAGE) of two roots: each user's own, and
 * its domain's over all the domain's users together. Asked before a message is taken: at SMTP RCPT,
 * IMAP APPEND and COPY, and delivery; a message is taken only when it fits every root.
 *
 * <p>A user's use is counted exactly at every ask. A domain's is the sum over its users, which costs a
 * read per user, so it is counted again at most every {@link #DOMAIN_USAGE_TTL} on each member: a
 * domain can go over its quota by what its users receive in that time (docs/operations.md, "Quotas").
 * A domain's limits are read again as often (at once on the member that sets them), so that a message
 * to a domain without a quota costs no read for it.
 */
public final class Quotas {

    /** How long a member reuses a domain's counted use. */
    public static final Duration DOMAIN_USAGE_TTL = Duration.ofSeconds(10);
    /** Users whose use is asked of the store at once while a domain's use is counted. */
    static final int COUNTS_IN_FLIGHT = 32;

    /**
     * One root's limits and use.
     *
     * @param domain the domain when this is a domain's root; null for a user's own
     */
    public record Usage(Domain domain, QuotaLimits limits, QuotaUsage used) {

        public Usage {
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(used, "used");
        }

        /** The root's name in IMAP (RFC 9208): "" for the user's own, the domain's name for its domain's. */
        public String root() {
            return domain == null ? "" : domain.ascii();
        }

        /** Whether one more message of {@code size} octets fits. */
        public boolean fits(long size) {
            return fits(size, 1);
        }

        /** Whether {@code count} more messages of {@code size} octets together fit. */
        public boolean fits(long size, long count) {
            return (limits.storageBytes() == 0 || used.bytes() + Math.max(0, size) <= limits.storageBytes())
                    && (limits.messages() == 0 || used.messages() + count <= limits.messages());
        }

        /** Whether a message of {@code size} octets could never fit, even into an empty root. */
        public boolean neverFits(long size) {
            return limits.storageBytes() > 0 && size > limits.storageBytes();
        }
    }

    private record Counted<T>(CompletableFuture<T> value, Instant at) {

        boolean fresh(Instant now) {
            return !value.isCompletedExceptionally() && at.plus(DOMAIN_USAGE_TTL).isAfter(now);
        }
    }

    private final Directory directory;
    private final MailboxStore mailboxes;
    private final Clock clock;
    private final ConcurrentHashMap<String, Counted<QuotaUsage>> domainUsage = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counted<QuotaLimits>> domainLimits = new ConcurrentHashMap<>();

    public Quotas(Directory directory, MailboxStore mailboxes, Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.mailboxes = Objects.requireNonNull(mailboxes, "mailboxes");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The roots that limit {@code user}: its own when it has a quota, then its domain's when that has
     * one; empty for a user without either (or no such user).
     */
    public CompletionStage<List<Usage>> of(MailAddress user) {
        return directory.findUser(user).thenCompose(record -> {
            if (record.isEmpty()) {
                return CompletableFuture.completedFuture(List.<Usage>of());
            }
            CompletionStage<Optional<Usage>> own = record.get().quota().none()
                    ? CompletableFuture.completedFuture(Optional.empty())
                    : mailboxes.quotaUsage(user).thenApply(u -> Optional.of(new Usage(null, record.get().quota(), u)));
            return own.thenCombine(ofDomain(user.domain()), (mine, domain) -> {
                List<Usage> roots = new ArrayList<>(2);
                mine.ifPresent(roots::add);
                domain.ifPresent(roots::add);
                return roots;
            });
        });
    }

    /** The user's own root, whether or not it has a limit (IMAP GETQUOTA ""); empty when there is no such user. */
    public CompletionStage<Optional<Usage>> own(MailAddress user) {
        return directory.findUser(user).thenCombine(mailboxes.quotaUsage(user),
                (record, used) -> record.map(r -> new Usage(null, r.quota(), used)));
    }

    /** The domain's root when the domain has a quota. */
    public CompletionStage<Optional<Usage>> ofDomain(Domain domain) {
        return domainLimits(domain).thenCompose(limits -> limits.none()
                ? CompletableFuture.completedFuture(Optional.<Usage>empty())
                : domainUsage(domain).thenApply(used -> Optional.of(new Usage(domain, limits, used))));
    }

    /** The domain's root, whether or not it has a limit, with its use counted afresh (the admin API). */
    public CompletionStage<Usage> domain(Domain domain) {
        recount(domain);
        return domainLimits(domain).thenCombine(domainUsage(domain),
                (limits, used) -> new Usage(domain, limits, used));
    }

    /** The domain's limits, read afresh, without counting its use (the admin API, before it changes them). */
    public CompletionStage<QuotaLimits> limits(Domain domain) {
        domainLimits.remove(domain.ascii());
        return domainLimits(domain);
    }

    /** Whether {@code user} can take one more message of {@code size} octets. */
    public CompletionStage<Boolean> fits(MailAddress user, long size) {
        return fits(user, size, 1);
    }

    /** Whether {@code user} can take {@code count} more messages of {@code size} octets together. */
    public CompletionStage<Boolean> fits(MailAddress user, long size, long count) {
        return of(user).thenApply(roots -> roots.stream().allMatch(u -> u.fits(size, count)));
    }

    /** What the domain's users store together, counted again when older than {@link #DOMAIN_USAGE_TTL}. */
    private CompletionStage<QuotaUsage> domainUsage(Domain domain) {
        Instant now = clock.instant();
        return domainUsage.compute(domain.ascii(), (key, previous) -> previous != null && previous.fresh(now) ? previous
                : new Counted<>(count(domain), now)).value();
    }

    /** The domain's limits, read again when older than {@link #DOMAIN_USAGE_TTL}. */
    private CompletionStage<QuotaLimits> domainLimits(Domain domain) {
        Instant now = clock.instant();
        return domainLimits.compute(domain.ascii(), (key, previous) -> previous != null && previous.fresh(now)
                ? previous : new Counted<>(directory.domainQuota(domain).toCompletableFuture(), now)).value();
    }

    /**
     * The use of every user of the domain added up, {@link #COUNTS_IN_FLIGHT} users' at a time: a domain
     * of 100,000 users asked all at once would be 100,000 requests in flight against the store.
     */
    private CompletableFuture<QuotaUsage> count(Domain domain) {
        return directory.listUsers(domain).thenCompose(users -> {
            CompletionStage<QuotaUsage> sum = CompletableFuture.completedFuture(new QuotaUsage(0, 0));
            for (int from = 0; from < users.size(); from += COUNTS_IN_FLIGHT) {
                List<UserRecord> group = users.subList(from, Math.min(users.size(), from + COUNTS_IN_FLIGHT));
                sum = sum.thenCompose(before -> {
                    CompletionStage<QuotaUsage> groupSum = CompletableFuture.completedFuture(before);
                    for (UserRecord u : group) {
                        groupSum = groupSum.thenCombine(mailboxes.quotaUsage(u.address()),
                                (a, b) -> new QuotaUsage(a.bytes() + b.bytes(), a.messages() + b.messages()));
                    }
                    return groupSum;
                });
            }
            return sum;
        }).toCompletableFuture();
    }

    /** Forgets the domain's counted use and its limits, so the next ask reads them again (after they changed). */
    public void recount(Domain domain) {
        domainUsage.remove(domain.ascii());
        domainLimits.remove(domain.ascii());
    }
}
