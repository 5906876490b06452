package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The address format of every local domain, and where the RFC 2142 role addresses go.
 *
 * @param defaults the policy of a domain without its own
 * @param byDomain policies by A-label domain
 * @param roleRecipient where {@code postmaster@} and {@code abuse@} of every local domain go when
 *     the domain has neither a user nor an alias of that name; null: such mail is refused like any
 *     unknown address (create the alias to accept it)
 * @param srs the Sender Rewriting Scheme of forwarded copies, whose bounce addresses resolve to the
 *     original senders; null: none
 */
public record AddressPolicies(AddressPolicy defaults, Map<String, AddressPolicy> byDomain, MailAddress roleRecipient,
        Srs srs) {

    /** {@link AddressPolicy#DEFAULT} everywhere, no role recipient. */
    public static final AddressPolicies DEFAULT = new AddressPolicies(AddressPolicy.DEFAULT, Map.of(), null);

    public AddressPolicies {
        Objects.requireNonNull(defaults, "defaults");
        byDomain = Map.copyOf(byDomain);
    }

    /** Without SRS addresses. */
    public AddressPolicies(AddressPolicy defaults, Map<String, AddressPolicy> byDomain, MailAddress roleRecipient) {
        this(defaults, byDomain, roleRecipient, null);
    }

    /**
     * The same, with the bounce addresses that {@code srs} made for forwarded copies taken back: an SRS
     * address of a local domain resolves to the sender it stands for ({@link Srs#reverse}).
     */
    public AddressPolicies withSrs(Srs srs) {
        return new AddressPolicies(defaults, byDomain, roleRecipient, srs);
    }

    public AddressPolicy of(Domain domain) {
        return byDomain.getOrDefault(domain.ascii(), defaults);
    }

    public Optional<MailAddress> role() {
        return Optional.ofNullable(roleRecipient);
    }
}
