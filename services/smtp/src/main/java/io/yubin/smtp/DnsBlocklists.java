package io.yubin.smtp;

import io.netty.util.NetUtil;
import io.yubin.mailauth.dns.DnsNames;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS blocklists (RFC 5782) asked when a client connects to the MX port: the client address's
 * reversed octets (IPv4) or nibbles (IPv6) under each list's zone. An A record in 127.0.0.0/8
 * means listed (§2.1), except 127.0.0.1, which §2.1 keeps out of every list and URI lists such as
 * URIBL and SURBL answer when they refuse the query, and 127.255.255.0/24, which lists such as
 * Spamhaus answer to say that the query itself was refused. A lookup that fails (timeout, SERVFAIL)
 * counts as not listed: a broken list must not stop mail.
 */
public final class DnsBlocklists {

    private static final Logger LOG = LoggerFactory.getLogger(DnsBlocklists.class);

    private final DnsResolver dns;
    private final List<String> zones;

    /**
     * @param dns the resolver the lookups go to
     * @param zones the lists' zones, e.g. {@code zen.spamhaus.org}; asked all at once, reported in
     *     this order
     * @throws IllegalArgumentException for a zone that is not a DNS name
     */
    public DnsBlocklists(DnsResolver dns, List<String> zones) {
        this.dns = Objects.requireNonNull(dns, "dns");
        for (String zone : zones) {
            if (!DnsNames.isValid(zone)) {
                throw new IllegalArgumentException("\"" + zone + "\" is not a DNS zone name");
            }
        }
        this.zones = zones.stream().map(DnsNames::normalize).toList();
    }

    /** The zones, normalised. */
    public List<String> zones() {
        return zones;
    }

    /**
     * The first zone, in the configured order, that lists {@code clientAddress} (an IP literal);
     * empty when none does, when a lookup fails, or when it is not an IP address. Never fails.
     */
    public CompletionStage<Optional<String>> listing(String clientAddress) {
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(clientAddress);
        if (address == null || zones.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        String reversed = DnsNames.reversedLabels(address);
        List<CompletableFuture<Boolean>> lookups = zones.stream()
                .map(zone -> listed(dns, reversed + "." + zone, clientAddress, zone).toCompletableFuture())
                .toList();
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(v -> {
            for (int i = 0; i < zones.size(); i++) {
                if (lookups.get(i).join()) {
                    return Optional.of(zones.get(i));
                }
            }
            return Optional.empty();
        });
    }

    /**
     * Whether the list of {@code zone} answers {@code name} (the subject's labels under the zone) with
     * a listing; false, logged, when it cannot be asked. Never fails.
     */
    static CompletionStage<Boolean> listed(DnsResolver dns, String name, String subject, String zone) {
        return dns.a(name).handle((result, failure) -> {
            if (failure != null || result instanceof DnsResult.TempError) {
                LOG.warn("DNS list {} could not be asked about {} ({}): taken as not listed", zone,
                        subject, failure != null ? failure.toString() : ((DnsResult.TempError<?>) result).reason());
                return false;
            }
            return result.records().stream().anyMatch(DnsBlocklists::meansListed);
        });
    }

    static boolean meansListed(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4 || b[0] != 127) {
            return false;
        }
        boolean refused = (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255 || b[1] == 0 && b[2] == 0 && b[3] == 1;
        return !refused;
    }
}
