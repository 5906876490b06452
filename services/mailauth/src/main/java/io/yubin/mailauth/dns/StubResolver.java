package io.yubin.mailauth.dns;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * A stub resolver: asks the configured recursive resolvers through dnsjava's non-blocking
 * transport (UDP, TCP when the answer is truncated), follows CNAMEs, and keeps answers in a
 * {@link DnsCache} for their TTL and negative answers for the SOA's negative TTL (RFC 2308 §5).
 * Concurrent lookups of the same name and type share one query. Every lookup ends within
 * {@link DnsSettings#timeout()}; results complete on the given executor.
 *
 * <p>With {@link DnsSettings#trustAnchors()} every answer is validated (dnsjava's
 * {@link ValidatingResolver}, RFC 4035 §5) from those anchors: a bogus answer is a
 * {@link DnsResult.TempError} naming why, and the {@code validated...} lookups and {@link #tlsa} say
 * which answers were proven secure. The resolvers asked must pass DNSSEC records through (any
 * recursive resolver does; one that strips them makes every signed zone bogus).
 */
public final class StubResolver implements DnsResolver {

    /** CNAMEs followed for one lookup before it is called a loop. */
    static final int MAX_CNAMES = 8;

    private final DnsSettings settings;
    private final Executor executor;
    private final Resolver resolver;
    private final boolean validating;
    private final DnsCache cache;
    private final ConcurrentHashMap<DnsCache.Key, CompletableFuture<Validated<?>>> inFlight =
            new ConcurrentHashMap<>();

    /**
     * @param executor where results complete and their continuations run (dnsjava's own I/O
     *     thread is never handed out)
     * @param clock for cache expiry
     */
    public StubResolver(DnsSettings settings, Executor executor, Clock clock) {
        this.settings = Objects.requireNonNull(settings);
        this.executor = Objects.requireNonNull(executor);
        this.cache = new DnsCache(settings.cacheEntries(), clock);
        this.validating = settings.validates();
        this.resolver = validating ? validating(transport(settings), settings.trustAnchors(), clock)
                : transport(settings);
    }

    private static Resolver validating(Resolver upstream, String trustAnchors, Clock clock) {
        ValidatingResolver validator = new ValidatingResolver(upstream, clock);
        try {
            validator.loadTrustAnchors(new ByteArrayInputStream(trustAnchors.getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the DNSSEC trust anchors: " + e.getMessage(), e);
        }
        if (validator.getTrustAnchors().items().isEmpty()) {
            throw new IllegalArgumentException("no DS or DNSKEY record among the DNSSEC trust anchors");
        }
        validator.setAddReasonToAdditional(true);
        return validator;
    }

    private static ExtendedResolver transport(DnsSettings settings) {
        List<InetSocketAddress> servers = settings.servers().isEmpty()
                ? ResolverConfig.getCurrentConfig().servers() : settings.servers();
        if (servers.isEmpty()) {
            servers = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
        }
        // Two tries per server within the time limit of the whole lookup.
        Duration attempt = settings.timeout().dividedBy(2L * servers.size());
        List<Resolver> each = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            SimpleResolver simple = new SimpleResolver(server);
            simple.setTimeout(attempt.compareTo(Duration.ofMillis(200)) < 0 ? Duration.ofMillis(200) : attempt);
            each.add(simple);
        }
        ExtendedResolver extended = new ExtendedResolver(each);
        extended.setRetries(2);
        extended.setLoadBalance(false);
        extended.setTimeout(settings.timeout());
        return extended;
    }

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        return lookup(name, Type.TXT, StubResolver::joinedText).thenApply(Validated::result);
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> a(String name) {
        return validatedA(name).thenApply(Validated::result);
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
        return validatedAaaa(name).thenApply(Validated::result);
    }

    @Override
    public CompletionStage<DnsResult<MxRecord>> mx(String name) {
        return validatedMx(name).thenApply(Validated::result);
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return lookup(DnsNames.reverseName(address), Type.PTR, r -> text(((PTRRecord) r).getTarget()))
                .thenApply(Validated::result);
    }

    @Override
    public CompletionStage<Validated<MxRecord>> validatedMx(String name) {
        return lookup(name, Type.MX, r -> new MxRecord(((MXRecord) r).getPriority(), text(((MXRecord) r).getTarget())));
    }

    @Override
    public CompletionStage<Validated<InetAddress>> validatedA(String name) {
        return lookup(name, Type.A, r -> ((ARecord) r).getAddress());
    }

    @Override
    public CompletionStage<Validated<InetAddress>> validatedAaaa(String name) {
        // Not AAAARecord.getAddress(): for ::ffff:a.b.c.d the JDK would hand back an Inet4Address.
        return lookup(name, Type.AAAA, r -> inet6(((AAAARecord) r).rdataToWireCanonical()));
    }

    /** Asked only when validating: without validation TLSA records mean nothing (RFC 7672 §2.2). */
    @Override
    public CompletionStage<Validated<TlsaRecord>> tlsa(String name) {
        if (!validating) {
            return DnsResolver.super.tlsa(name);
        }
        return lookup(name, Type.TLSA, r -> {
            TLSARecord t = (TLSARecord) r;
            return new TlsaRecord(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(),
                    t.getCertificateAssociationData());
        });
    }

    /** Answers held in the cache now; for tests and metrics. */
    int cachedAnswers() {
        return cache.size();
    }

    @SuppressWarnings("unchecked")
    private <T> CompletionStage<Validated<T>> lookup(String name, int type, Function<Record, T> convert) {
        if (!DnsNames.isValid(name)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a valid DNS name: " + name));
        }
        DnsCache.Key key = new DnsCache.Key(DnsNames.normalize(name), type);
        Validated<?> cached = cache.get(key);
        if (cached != null) {
            return CompletableFuture.completedFuture((Validated<T>) cached);
        }
        CompletableFuture<Validated<?>> mine = new CompletableFuture<>();
        CompletableFuture<Validated<?>> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running.thenApply(result -> (Validated<T>) result);
        }
        CompletableFuture<Resolved<T>> query;
        try {
            query = resolve(toName(key.name()), type, convert, MAX_CNAMES, Long.MAX_VALUE, validating);
        } catch (RuntimeException e) {
            // never leave the in-flight entry behind: later lookups of the name would wait on it
            query = CompletableFuture.failedFuture(e);
        }
        query.orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((resolved, error) -> {
                    Resolved<T> outcome = error == null ? resolved
                            : new Resolved<>(Validated.insecure(new DnsResult.TempError<>(describe(error))), 0);
                    cache.put(key, outcome.result, Duration.ofSeconds(outcome.ttlSeconds));
                    inFlight.remove(key, mine);
                    mine.complete(outcome.result);
                    return null;
                }, executor);
        return mine.thenApply(result -> (Validated<T>) result);
    }

    /** A result and how long it may be cached (0: not at all). */
    private record Resolved<T>(Validated<T> result, long ttlSeconds) {
    }

    /**
     * @param secureSoFar whether every answer of the CNAME chain up to {@code qname} was proven
     *     (always false without validation)
     */
    private <T> CompletableFuture<Resolved<T>> resolve(Name qname, int type, Function<Record, T> convert,
            int cnamesLeft, long ttlSoFar, boolean secureSoFar) {
        Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        return resolver.sendAsync(query, executor).toCompletableFuture()
                .thenCompose(response -> classify(response, qname, type, convert, cnamesLeft, ttlSoFar,
                        secureSoFar && response.getHeader().getFlag(Flags.AD)));
    }

    private <T> CompletableFuture<Resolved<T>> classify(Message response, Name qname, int type,
            Function<Record, T> convert, int cnamesLeft, long ttlSoFar, boolean secure) {
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            String bogus = validationFailure(response);
            return done(new DnsResult.TempError<>(bogus != null
                    ? "DNSSEC validation failed for " + qname + " " + Type.string(type) + ": " + bogus
                    : "server answered " + Rcode.string(rcode) + " for " + qname + " " + Type.string(type)),
                    false, 0);
        }
        List<Record> answer = response.getSection(Section.ANSWER);
        Name current = qname;
        long ttl = ttlSoFar;
        int cnames = cnamesLeft;
        while (true) {
            List<T> records = new ArrayList<>();
            long rrsetTtl = Long.MAX_VALUE;
            CNAMERecord cname = null;
            for (Record r : answer) {
                if (!r.getName().equals(current)) {
                    continue;
                }
                if (r.getType() == type) {
                    records.add(convert.apply(r));
                    rrsetTtl = Math.min(rrsetTtl, r.getTTL());
                } else if (r.getType() == Type.CNAME) {
                    cname = (CNAMERecord) r;
                }
            }
            if (!records.isEmpty()) {
                return done(new DnsResult.Answer<>(records), secure,
                        Math.min(Math.min(ttl, rrsetTtl), settings.maxTtl().toSeconds()));
            }
            if (cname == null) {
                break;
            }
            if (cnames-- == 0) {
                return done(new DnsResult.TempError<>("more than " + MAX_CNAMES + " CNAMEs (a loop?) from "
                        + qname), false, 0);
            }
            ttl = Math.min(ttl, cname.getTTL());
            current = cname.getTarget();
        }
        SOARecord soa = null;
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord s) {
                soa = s;
            }
        }
        // RFC 2308 §5: a negative answer lives for the smaller of the SOA's TTL and its MINIMUM
        // field, and one without an SOA is not cached.
        long negativeTtl = soa == null ? 0
                : Math.min(Math.min(Math.min(soa.getTTL(), soa.getMinimum()), ttl),
                        settings.maxNegativeTtl().toSeconds());
        if (rcode == Rcode.NXDOMAIN) {
            // RFC 6604 §3: after CNAMEs the RCODE speaks of the last name of the chain.
            return done(new DnsResult.NxDomain<>(), secure, negativeTtl);
        }
        if (!current.equals(qname) && soa == null) {
            // The chain left the server's data (an authoritative server answers only its own
            // zones; a recursive one would have followed it): ask for the target itself.
            return resolve(current, type, convert, cnames, ttl, secure);
        }
        return done(new DnsResult.NoData<>(), secure, negativeTtl);
    }

    private static <T> CompletableFuture<Resolved<T>> done(DnsResult<T> result, boolean secure, long ttlSeconds) {
        return CompletableFuture.completedFuture(new Resolved<>(new Validated<>(result, secure), ttlSeconds));
    }

    /** Why the validating resolver found the answer bogus (its reason record), or null. */
    private String validationFailure(Message response) {
        if (!validating) {
            return null;
        }
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            if (r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS && r instanceof TXTRecord reason) {
                return String.join(" ", reason.getStrings());
            }
        }
        return null;
    }

    private String describe(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            return "no answer within " + settings.timeout().toMillis() + " ms";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    /** The text name as a dnsjava name, every octet outside letters, digits, '-' and '_' escaped. */
    private static Name toName(String name) {
        StringBuilder escaped = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')) {
                escaped.append(c);
            } else {
                escaped.append('\\').append(String.format("%03d", (int) c));
            }
        }
        try {
            return Name.fromString(escaped.append('.').toString());
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a valid DNS name: " + name, e);
        }
    }

    private static String text(Name name) {
        return name.equals(Name.root) ? "." : name.toString(true);
    }

    private static String joinedText(Record txt) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (byte[] s : ((TXTRecord) txt).getStringsAsByteArrays()) {
            joined.writeBytes(s);
        }
        return joined.toString(StandardCharsets.ISO_8859_1);
    }

    private static InetAddress inet6(byte[] sixteen) {
        try {
            return Inet6Address.getByAddress(null, sixteen, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an AAAA record holds 16 octets", e);
        }
    }
}
