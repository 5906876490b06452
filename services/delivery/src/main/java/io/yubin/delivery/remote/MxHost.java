package io.yubin.delivery.remote;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One host to try for a domain, with its addresses in the order to try them.
 *
 * @param name the MX exchange (or the domain itself for the implicit MX of RFC 5321 §5.1, or the
 *     address literal of an address-literal domain)
 * @param preference the MX preference; 0 for an implicit MX or an address literal
 * @param addresses never empty
 * @param secure DNSSEC proved the MX records (or, for an implicit MX, their absence) and the addresses
 *     given here: only then may DANE TLSA records be looked up for the host (RFC 7672 §2.2)
 */
public record MxHost(String name, int preference, List<InetAddress> addresses, boolean secure) {

    /** A host whose records were not proven by DNSSEC. */
    public MxHost(String name, int preference, List<InetAddress> addresses) {
        this(name, preference, addresses, false);
    }

    public MxHost {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a host to try has at least one address");
        }
    }
}
