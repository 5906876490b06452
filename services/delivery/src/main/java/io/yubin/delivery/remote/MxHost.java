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
 */
public record MxHost(String name, int preference, List<InetAddress> addresses) {

    public MxHost {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a host to try has at least one address");
        }
    }
}
