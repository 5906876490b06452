package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;

/**
 * The left side of an alias: one address, or a whole domain ({@code @example.test}, the catch-all,
 * which applies only to addresses that are neither users nor aliases).
 *
 * @param address the aliased address, or null for a catch-all
 * @param domain the domain; for an address, its domain
 */
public record AliasSource(MailAddress address, Domain domain) {

    public static AliasSource of(MailAddress address) {
        return new AliasSource(address, address.domain());
    }

    public static AliasSource catchAll(Domain domain) {
        return new AliasSource(null, domain);
    }

    /** Parses {@code user@domain} or {@code @domain}. */
    public static AliasSource parse(String text) {
        return text.startsWith("@") ? catchAll(Domain.parse(text.substring(1))) : of(MailAddress.parse(text));
    }

    public boolean isCatchAll() {
        return address == null;
    }

    /** The key form: the canonical address, or {@code @} and the A-label domain. */
    public String canonical() {
        return isCatchAll() ? "@" + domain.ascii() : address.canonical();
    }

    @Override
    public String toString() {
        return isCatchAll() ? "@" + domain : address.toString();
    }
}
