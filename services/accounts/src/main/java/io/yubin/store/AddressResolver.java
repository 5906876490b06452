package io.yubin.store;

import io.yubin.model.MailAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Expands a recipient address through aliases into local users and remote addresses. An address in
 * a local domain is, in this order: a user; an alias (all its targets, expanded again); with plus
 * addressing, the user or alias its local part names before the separator ({@code alice+lists} is
 * alice, {@link AddressPolicy#base}); a bounce address this server gave a forwarded copy ({@link Srs}),
 * the sender it stands for; for {@code postmaster} and {@code abuse}, the configured role
 * recipient (RFC 2142, {@link AddressPolicies#roleRecipient}); covered by the domain's catch-all; or
 * unknown. Expansion is bounded in depth and size, and loops are cut.
 */
public final class AddressResolver {

    /** Deepest alias chain followed. */
    public static final int MAX_DEPTH = 10;
    /** Most addresses one recipient may expand to. */
    public static final int MAX_EXPANSION = 1000;

    /**
     * @param localUsers users whose mailboxes get the message
     * @param remote addresses outside the local domains (forwarding)
     */
    public record Resolution(Set<MailAddress> localUsers, Set<MailAddress> remote) {
        public boolean isUnknown() {
            return localUsers.isEmpty() && remote.isEmpty();
        }
    }

    private final Directory directory;
    private final AddressPolicies policies;

    public AddressResolver(Directory directory) {
        this(directory, AddressPolicies.DEFAULT);
    }

    public AddressResolver(Directory directory, AddressPolicies policies) {
        this.directory = directory;
        this.policies = policies;
    }

    /** Resolves one envelope recipient. An unknown local address resolves to nothing. */
    public CompletionStage<Resolution> resolve(MailAddress recipient) {
        Set<MailAddress> local = new LinkedHashSet<>();
        Set<MailAddress> remote = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        return expand(recipient, 0, local, remote, seen).thenApply(v -> new Resolution(Set.copyOf(local), Set.copyOf(remote)));
    }

    /**
     * Whether resolving {@code from} can reach {@code target} (both as alias keys); used to refuse an
     * alias edge that would close a loop.
     */
    public CompletionStage<Boolean> reaches(MailAddress from, String targetKey) {
        return reaches(from, targetKey, 0, new LinkedHashSet<>());
    }

    private CompletionStage<Boolean> reaches(MailAddress from, String targetKey, int depth, Set<String> seen) {
        if (from.canonical().equals(targetKey)) {
            return CompletableFuture.completedFuture(true);
        }
        if (depth > MAX_DEPTH || !seen.add(from.canonical())) {
            return CompletableFuture.completedFuture(false);
        }
        return directory.aliasTargets(AliasSource.of(from)).thenCompose(targets -> {
            CompletionStage<Boolean> result = CompletableFuture.completedFuture(false);
            for (MailAddress t : targets) {
                result = result.thenCompose(found -> found ? CompletableFuture.completedFuture(true)
                        : reaches(t, targetKey, depth + 1, seen));
            }
            return result;
        });
    }

    private CompletionStage<Void> expand(MailAddress address, int depth, Set<MailAddress> local, Set<MailAddress> remote,
            Set<String> seen) {
        if (depth > MAX_DEPTH || seen.size() >= MAX_EXPANSION || !seen.add(address.canonical())) {
            return CompletableFuture.completedFuture(null);
        }
        return directory.isLocalDomain(address.domain()).thenCompose(isLocal -> {
            if (!isLocal) {
                remote.add(address);
                return CompletableFuture.completedFuture(null);
            }
            return directory.findUser(address).thenCompose(user -> {
                if (user.isPresent()) {
                    local.add(user.get().address());
                    return CompletableFuture.completedFuture(null);
                }
                return directory.aliasTargets(AliasSource.of(address)).thenCompose(targets -> {
                    if (!targets.isEmpty()) {
                        return expandAll(targets, depth + 1, local, remote, seen);
                    }
                    return unmatched(address, depth, local, remote, seen);
                });
            });
        });
    }

    /**
     * Neither a user nor an alias: a bounce address of a forwarded copy (SRS), then its plus-addressing
     * base, then a role address, then the catch-all.
     */
    private CompletionStage<Void> unmatched(MailAddress address, int depth, Set<MailAddress> local,
            Set<MailAddress> remote, Set<String> seen) {
        Optional<MailAddress> bounceTo = policies.srs() == null ? Optional.empty() : policies.srs().reverse(address);
        if (bounceTo.isPresent()) {
            return expand(bounceTo.get(), depth + 1, local, remote, seen);
        }
        Optional<String> base = policies.of(address.domain()).base(address.localPart());
        if (base.isEmpty()) {
            return roleOrCatchAll(address, depth, local, remote, seen);
        }
        MailAddress baseAddress = new MailAddress(base.get(), address.domain());
        return directory.findUser(baseAddress).thenCompose(user -> {
            if (user.isPresent()) {
                local.add(user.get().address());
                return CompletableFuture.completedFuture(null);
            }
            return directory.aliasTargets(AliasSource.of(baseAddress)).thenCompose(targets -> targets.isEmpty()
                    ? roleOrCatchAll(address, depth, local, remote, seen)
                    : expandAll(targets, depth + 1, local, remote, seen));
        });
    }

    private CompletionStage<Void> roleOrCatchAll(MailAddress address, int depth, Set<MailAddress> local,
            Set<MailAddress> remote, Set<String> seen) {
        Optional<MailAddress> role = policies.role();
        if (role.isPresent() && AddressPolicy.ROLE_NAMES.contains(address.localPart().toLowerCase(Locale.ROOT))) {
            return expand(role.get(), depth + 1, local, remote, seen);
        }
        // RFC-less but universal: the catch-all covers only addresses that are neither users nor aliases.
        return directory.aliasTargets(AliasSource.catchAll(address.domain()))
                .thenCompose(catchAll -> expandAll(catchAll, depth + 1, local, remote, seen));
    }

    private CompletionStage<Void> expandAll(List<MailAddress> targets, int depth, Set<MailAddress> local,
            Set<MailAddress> remote, Set<String> seen) {
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (MailAddress t : new ArrayList<>(targets)) {
            chain = chain.thenCompose(v -> expand(t, depth, local, remote, seen));
        }
        return chain;
    }
}
