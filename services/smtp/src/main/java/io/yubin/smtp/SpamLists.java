package io.yubin.smtp;

import io.netty.util.NetUtil;
import io.yubin.filter.spam.SpamTokenizer;
import io.yubin.mailauth.dns.DnsNames;
import io.yubin.mailauth.dns.DnsResolver;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * DNS lists whose word is evidence for the spam filter rather than a refusal (docs/filtering.md,
 * "DNS lists as features"): client-address lists (RFC 5782 §2.1, the reversed address under the
 * zone) and URI lists (§2.3, a domain name under the zone: Spamhaus DBL, SURBL, URIBL), asked about
 * the registered domains of the first {@link #MAX_DOMAINS} URLs of the message (read by the
 * tokenizer with its features, {@link SpamTokenizer#analyze}). What they say goes
 * into the message as {@link SpamTokenizer#LISTS_FIELD}, which the filter reads as features, at
 * arrival and whenever the stored message is scored or learned again. A list that cannot be asked
 * counts as not listing (logged); the lookups run at once, each bounded by the resolver's time limit.
 */
public final class SpamLists {

    /** URL domains asked about per message. */
    public static final int MAX_DOMAINS = 10;

    private final DnsResolver dns;
    private final List<String> addressZones;
    private final List<String> domainZones;

    /**
     * @param addressZones lists of client addresses, e.g. {@code bl.spamcop.net}
     * @param domainZones lists of domains, e.g. {@code dbl.spamhaus.org}
     * @throws IllegalArgumentException for a zone that is not a DNS name
     */
    public SpamLists(DnsResolver dns, List<String> addressZones, List<String> domainZones) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.addressZones = normalized(addressZones);
        this.domainZones = normalized(domainZones);
    }

    private static List<String> normalized(List<String> zones) {
        for (String zone : zones) {
            if (!DnsNames.isValid(zone)) {
                throw new IllegalArgumentException("\"" + zone + "\" is not a DNS zone name");
            }
        }
        return zones.stream().map(DnsNames::normalize).toList();
    }

    /**
     * The lists that name the message, as {@code dnsbl=ZONE} for its client's address and
     * {@code uribl=ZONE} for a domain of its URLs, each zone once, in the configured order. Never fails.
     *
     * @param clientAddress the client's IP literal
     * @param urlDomains the registered domains of the message's URLs
     */
    public CompletionStage<List<String>> listings(String clientAddress, List<String> urlDomains) {
        List<CompletableFuture<Boolean>> byAddress = new ArrayList<>();
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(clientAddress);
        for (String zone : addressZones) {
            byAddress.add(address == null ? CompletableFuture.completedFuture(false)
                    : DnsBlocklists.listed(dns, DnsNames.reversedLabels(address) + "." + zone, clientAddress, zone)
                            .toCompletableFuture());
        }
        List<CompletableFuture<Boolean>> byDomain = new ArrayList<>();
        for (String zone : domainZones) {
            List<CompletableFuture<Boolean>> lookups = urlDomains.stream()
                    .filter(domain -> DnsNames.isValid(domain + "." + zone))
                    .map(domain -> DnsBlocklists.listed(dns, DnsNames.normalize(domain) + "." + zone, domain, zone)
                            .toCompletableFuture())
                    .toList();
            byDomain.add(CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                    .thenApply(v -> lookups.stream().anyMatch(CompletableFuture::join)));
        }
        List<CompletableFuture<Boolean>> all = new ArrayList<>(byAddress);
        all.addAll(byDomain);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> listings = new ArrayList<>();
            for (int i = 0; i < addressZones.size(); i++) {
                if (byAddress.get(i).join()) {
                    listings.add("dnsbl=" + addressZones.get(i));
                }
            }
            for (int i = 0; i < domainZones.size(); i++) {
                if (byDomain.get(i).join()) {
                    listings.add("uribl=" + domainZones.get(i));
                }
            }
            return listings;
        });
    }

    /** The field recording {@code listings} (ending in CRLF), or empty when there is none. */
    public static String field(List<String> listings) {
        return listings.isEmpty() ? "" : SpamTokenizer.LISTS_FIELD + ": " + String.join("; ", listings) + "\r\n";
    }
}
