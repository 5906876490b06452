package io.yubin.delivery.remote;

import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import io.yubin.mailauth.dns.Validated;
import io.yubin.model.Domain;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The hosts to try for a recipient domain (RFC 5321 §5.1), each with its addresses.
 *
 * <ul>
 *   <li>MX records by preference, in random order among equal preferences (§5.1: "the sender-SMTP
 *       MUST randomize them to spread the load").</li>
 *   <li>A null MX (RFC 7505: a single MX of preference 0 naming the root) is a permanent failure,
 *       {@code 556 5.1.10} (§4.2). A null MX among other MX records is ignored.</li>
 *   <li>No MX records (the name exists): the domain itself is the implicit MX, preference 0.</li>
 *   <li>NXDOMAIN: permanent failure; a DNS temporary failure: temporary failure.</li>
 *   <li>Each host is expanded to its AAAA and A addresses, in the configured {@link AddressOrder}.
 *       CNAMEs are followed (an MX naming a CNAME is against RFC 2181 §10.3, and tolerated, as every
 *       MTA does). An MX target written as an IP address is not a host name and is skipped (RFC
 *       5321 §5.1 wants a domain name there), as is a host without addresses.</li>
 *   <li>An address-literal domain ({@code user@[192.0.2.1]}) is that address, without DNS.</li>
 * </ul>
 *
 * <p>When no host has an address the result is a temporary failure if any lookup failed temporarily,
 * else a permanent one. A host is {@link MxHost#secure()} when DNSSEC proved both the MX answer and
 * every address answer it has (RFC 7672 §2.2.1 and §2.2.2), which a non-validating resolver never does.
 */
public final class MxResolver {

    private static final Pattern IPV4_TEXT = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final DnsResolver dns;
    private final AddressOrder order;
    private final RandomGenerator random;

    public MxResolver(DnsResolver dns, AddressOrder order, RandomGenerator random) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.order = Objects.requireNonNull(order, "order");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Never fails: DNS trouble is a {@link MxResult.TemporaryFailure}. */
    public CompletionStage<MxResult> resolve(Domain domain) {
        if (domain.isAddressLiteral()) {
            return CompletableFuture.completedFuture(literal(domain));
        }
        String name = domain.ascii();
        return dns.validatedMx(name).thenCompose(validated -> {
            DnsResult<MxRecord> mx = validated.result();
            boolean secure = validated.secure();
            if (mx instanceof DnsResult.TempError<MxRecord> error) {
                return done(new MxResult.TemporaryFailure(
                        "451 4.4.3 MX lookup for " + name + " failed temporarily: " + error.reason()));
            }
            if (mx instanceof DnsResult.NxDomain<MxRecord>) {
                return done(new MxResult.PermanentFailure("550 5.1.2 domain " + name + " does not exist"));
            }
            if (mx instanceof DnsResult.NoData<MxRecord>) {
                // RFC 5321 §5.1: no MX records, so the domain is its own implicit MX.
                return expand(name, List.of(new MxRecord(0, name)), true, secure);
            }
            List<MxRecord> records = mx.records().stream().filter(r -> !r.isNullMx()).toList();
            if (records.isEmpty()) {
                return done(new MxResult.PermanentFailure(
                        "556 5.1.10 domain " + name + " accepts no mail (null MX, RFC 7505)"));
            }
            return expand(name, ordered(records), false, secure);
        }).exceptionally(failure -> new MxResult.PermanentFailure(
                "550 5.1.2 domain " + name + " is not a name DNS can ask for"));
    }

    /** By preference, shuffled among equal preferences, each host once (at its best preference). */
    private List<MxRecord> ordered(List<MxRecord> records) {
        List<MxRecord> shuffled = new ArrayList<>(records);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            Collections.swap(shuffled, i, random.nextInt(i + 1));
        }
        shuffled.sort(Comparator.comparingInt(MxRecord::preference)); // stable: keeps the shuffle within a preference
        Set<String> seen = new HashSet<>();
        List<MxRecord> unique = new ArrayList<>();
        for (MxRecord record : shuffled) {
            if (seen.add(record.host().toLowerCase(Locale.ROOT))) {
                unique.add(record);
            }
        }
        return unique;
    }

    private CompletionStage<MxResult> expand(String domain, List<MxRecord> records, boolean implicit,
            boolean mxSecure) {
        List<CompletableFuture<HostLookup>> lookups = new ArrayList<>();
        for (MxRecord record : records) {
            lookups.add(lookup(record, mxSecure).toCompletableFuture());
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<MxHost> hosts = new ArrayList<>();
            boolean temporary = false;
            List<String> problems = new ArrayList<>();
            for (CompletableFuture<HostLookup> lookup : lookups) {
                HostLookup found = lookup.join();
                if (found.host() != null) {
                    hosts.add(found.host());
                } else {
                    temporary |= found.temporary();
                    problems.add(found.problem());
                }
            }
            if (!hosts.isEmpty()) {
                return new MxResult.Hosts(hosts);
            }
            String why = String.join("; ", problems);
            if (temporary) {
                return new MxResult.TemporaryFailure("451 4.4.3 no address for the mail hosts of " + domain
                        + " now: " + why);
            }
            return new MxResult.PermanentFailure(implicit
                    ? "550 5.1.2 domain " + domain + " has no MX and no address records"
                    : "550 5.4.4 no mail host of " + domain + " has an address: " + why);
        });
    }

    private record HostLookup(MxHost host, boolean temporary, String problem) {
    }

    private CompletionStage<HostLookup> lookup(MxRecord record, boolean mxSecure) {
        String host = record.host();
        if (IPV4_TEXT.matcher(host).matches() || host.contains(":") || host.startsWith("[")) {
            return CompletableFuture.completedFuture(
                    new HostLookup(null, false, "MX " + host + " is an IP address, not a host name"));
        }
        CompletionStage<Validated<InetAddress>> v6 = order == AddressOrder.IPV4_ONLY
                ? CompletableFuture.completedFuture(Validated.insecure(new DnsResult.NoData<>()))
                : dns.validatedAaaa(host);
        CompletionStage<Validated<InetAddress>> v4 = order == AddressOrder.IPV6_ONLY
                ? CompletableFuture.completedFuture(Validated.insecure(new DnsResult.NoData<>()))
                : dns.validatedA(host);
        return v6.thenCombine(v4, (sixValidated, fourValidated) -> {
            DnsResult<InetAddress> six = sixValidated.result();
            DnsResult<InetAddress> four = fourValidated.result();
            boolean secure = mxSecure && (six.records().isEmpty() || sixValidated.secure())
                    && (four.records().isEmpty() || fourValidated.secure());
            List<InetAddress> addresses = new ArrayList<>();
            if (order == AddressOrder.IPV4_FIRST) {
                addresses.addAll(four.records());
                addresses.addAll(six.records());
            } else {
                addresses.addAll(six.records());
                addresses.addAll(four.records());
            }
            if (!addresses.isEmpty()) {
                return new HostLookup(new MxHost(host, record.preference(), addresses, secure), false, null);
            }
            boolean temporary = six instanceof DnsResult.TempError || four instanceof DnsResult.TempError;
            return new HostLookup(null, temporary, host + (temporary ? ": address lookup failed temporarily"
                    : four instanceof DnsResult.NxDomain ? ": no such host" : ": no address records"));
        }).exceptionally(invalid -> new HostLookup(null, false, host + ": not a valid host name"));
    }

    private static MxResult literal(Domain domain) {
        String text = domain.ascii().substring(1, domain.ascii().length() - 1);
        if (text.regionMatches(true, 0, "IPv6:", 0, 5)) {
            text = text.substring(5);
        }
        try {
            // A literal in normal form (io.yubin.model.AddressLiteral): parsed, never looked up.
            return new MxResult.Hosts(List.of(new MxHost(domain.ascii(), 0, List.of(InetAddress.getByName(text)))));
        } catch (UnknownHostException e) {
            return new MxResult.PermanentFailure("550 5.1.2 address literal " + domain + " is not an address");
        }
    }

    private static CompletionStage<MxResult> done(MxResult result) {
        return CompletableFuture.completedFuture(result);
    }
}
