package io.yubin.mailauth.spf;

import io.yubin.mailauth.dns.DnsNames;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One check_host() evaluation (RFC 7208 §4) with everything it shares across include and
 * redirect: the client, the sender, the lookup counters (§4.6.4) and the validated reverse
 * names for %{p}. Terms are evaluated strictly one after another, so the counters need no
 * locking: each step runs after the previous one completed.
 */
final class CheckHost {

    /** §4.6.4: include, a, mx, ptr, exists and redirect together, over the whole evaluation. */
    static final int MAX_DNS_TERMS = 10;
    /** §4.6.4: an mx mechanism with more MX records than this is a permerror. */
    static final int MAX_MX = 10;
    /** §4.6.4: names of a PTR answer after the first 10 are ignored (ptr, %{p}). */
    static final int MAX_PTR = 10;

    /** What a check gives back to {@link SpfVerifier}. */
    record Outcome(SpfStatus status, String reason, Optional<String> explanation) {
    }

    /** The result of one record's evaluation; for a fail, the record and domain whose exp= applies (§6.2). */
    private record Verdict(SpfStatus status, String reason, String domain, SpfRecord record) {
    }

    /** Ends the whole evaluation with temperror or permerror, however deep in include it happens. */
    private static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient SpfStatus status;

        Abort(SpfStatus status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    private final DnsResolver dns;
    private final SpfVerifier.Settings settings;
    private final Clock clock;
    private final byte[] ip;
    private final InetAddress client;
    private final boolean ipv4;
    private final String local;
    private final String senderDomain;
    private final String helo;
    private int dnsTerms;
    private int voidLookups;
    private CompletableFuture<List<String>> validatedNames;

    CheckHost(DnsResolver dns, SpfVerifier.Settings settings, Clock clock, InetAddress client, String local,
            String senderDomain, String helo) {
        this.dns = dns;
        this.settings = settings;
        this.clock = clock;
        this.client = client;
        this.ip = client.getAddress();
        this.ipv4 = ip.length == 4;
        this.local = local;
        this.senderDomain = senderDomain;
        this.helo = helo;
    }

    /** check_host() on {@code domain}, then the explanation of a fail, all within the time limit. */
    CompletableFuture<Outcome> run(String domain, MacroString defaultExplanation) {
        return checkHost(domain)
                .thenCompose(verdict -> verdict.status == SpfStatus.FAIL
                        ? explain(verdict, defaultExplanation)
                                .thenApply(text -> new Outcome(SpfStatus.FAIL, verdict.reason, Optional.of(text)))
                        : CompletableFuture.completedFuture(new Outcome(verdict.status, verdict.reason, Optional.empty())))
                .orTimeout(settings.timeLimit().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(error -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    if (cause instanceof Abort abort) {
                        return new Outcome(abort.status, abort.getMessage(), Optional.empty());
                    }
                    if (cause instanceof TimeoutException) {
                        // §4.6.4: a check over the elapsed-time limit is temperror
                        return new Outcome(SpfStatus.TEMPERROR, "no result within " + settings.timeLimit().toMillis()
                                + " ms", Optional.empty());
                    }
                    throw error instanceof CompletionException c ? c : new CompletionException(error);
                });
    }

    /** §4.4, §4.5: fetch the record, select the one SPF record, parse it, evaluate it. */
    private CompletableFuture<Verdict> checkHost(String domain) {
        return ask(dns.txt(domain)).thenCompose(txt -> {
            if (txt instanceof DnsResult.TempError<String> error) {
                throw new Abort(SpfStatus.TEMPERROR, "looking up the SPF record of " + domain + ": " + error.reason());
            }
            List<String> spf = txt.records().stream().filter(SpfRecordParser::isSpfRecord).toList();
            if (spf.isEmpty()) {
                return done(new Verdict(SpfStatus.NONE, "no SPF record at " + domain, domain, null));
            }
            if (spf.size() > 1) {
                throw new Abort(SpfStatus.PERMERROR, "more than one SPF record at " + domain);
            }
            SpfRecord record;
            try {
                record = SpfRecordParser.parse(spf.get(0));
            } catch (SpfSyntaxException e) {
                throw new Abort(SpfStatus.PERMERROR, "SPF record of " + domain + ": " + e.getMessage());
            }
            return evaluate(record, domain, 0);
        });
    }

    /**
     * §4.6.2: the directives from {@code from} on, left to right, until one matches; then
     * redirect (§6.1), else neutral (§4.7). Mechanisms without DNS are tried in this loop, so
     * only the (at most 10) DNS-querying ones nest futures.
     */
    private CompletableFuture<Verdict> evaluate(SpfRecord record, String domain, int from) {
        List<SpfRecord.Directive> directives = record.directives();
        for (int i = from; i < directives.size(); i++) {
            SpfRecord.Directive directive = directives.get(i);
            SpfRecord.Mechanism mechanism = directive.mechanism();
            if (!mechanism.queriesDns()) {
                if (matchesWithoutDns(mechanism)) {
                    return done(matched(directive, record, domain));
                }
                continue;
            }
            countDnsTerm(directive.toString(), domain);
            int next = i + 1;
            return matches(mechanism, domain).thenCompose(yes -> yes
                    ? done(matched(directive, record, domain)) : evaluate(record, domain, next));
        }
        if (record.redirect().isPresent()) {
            MacroString redirect = record.redirect().get();
            countDnsTerm("redirect=" + redirect, domain);
            return target(redirect, domain).thenCompose(target -> {
                if (target.isEmpty()) {
                    throw new Abort(SpfStatus.PERMERROR, "redirect=" + redirect + " in the SPF record of " + domain
                            + " names no valid domain");
                }
                return checkHost(target.get()).thenApply(verdict -> {
                    // §6.1: a redirect to a domain without an SPF record is a permerror
                    if (verdict.status == SpfStatus.NONE) {
                        throw new Abort(SpfStatus.PERMERROR, "redirect=" + target.get() + ": no SPF record there");
                    }
                    return verdict;
                });
            });
        }
        return done(new Verdict(SpfStatus.NEUTRAL, "no mechanism matched in the SPF record of " + domain, domain, record));
    }

    private Verdict matched(SpfRecord.Directive directive, SpfRecord record, String domain) {
        return new Verdict(directive.qualifier().status, "matched " + directive + " in the SPF record of " + domain,
                domain, record);
    }

    private boolean matchesWithoutDns(SpfRecord.Mechanism mechanism) {
        if (mechanism instanceof SpfRecord.Ip4 ip4) {
            return ip4.network().contains(ip);
        }
        if (mechanism instanceof SpfRecord.Ip6 ip6) {
            return ip6.network().contains(ip);
        }
        return mechanism instanceof SpfRecord.All;
    }

    private CompletableFuture<Boolean> matches(SpfRecord.Mechanism mechanism, String domain) {
        if (mechanism instanceof SpfRecord.Include include) {
            return include(include, domain);
        }
        if (mechanism instanceof SpfRecord.A a) {
            return optionalTarget(a.domain(), domain).thenCompose(name -> name.isEmpty()
                    ? done(false) : matchesAddressOf(name.get(), a.ip4Prefix(), a.ip6Prefix()));
        }
        if (mechanism instanceof SpfRecord.Mx mx) {
            return optionalTarget(mx.domain(), domain).thenCompose(name -> name.isEmpty()
                    ? done(false) : mx(name.get(), mx.ip4Prefix(), mx.ip6Prefix()));
        }
        if (mechanism instanceof SpfRecord.Ptr ptr) {
            return optionalTarget(ptr.domain(), domain).thenCompose(name -> name.isEmpty()
                    ? done(false) : ptr(name.get()));
        }
        SpfRecord.Exists exists = (SpfRecord.Exists) mechanism;
        return target(exists.domain(), domain).thenCompose(name -> name.isEmpty() ? done(false)
                // §5.7: always an A lookup, whatever the client's address family
                : ask(dns.a(name.get())).thenApply(found -> {
                    temporary(found, "exists:" + name.get());
                    return !countVoid(found);
                }));
    }

    /** §5.2: pass matches; fail, softfail and neutral do not; none and the errors are errors. */
    private CompletableFuture<Boolean> include(SpfRecord.Include include, String domain) {
        return target(include.domain(), domain).thenCompose(target -> {
            if (target.isEmpty()) {
                throw new Abort(SpfStatus.PERMERROR, "include:" + include.domain() + " in the SPF record of " + domain
                        + " names no valid domain");
            }
            return checkHost(target.get()).thenApply(verdict -> switch (verdict.status) {
                case PASS -> true;
                case FAIL, SOFTFAIL, NEUTRAL -> false;
                default -> throw new Abort(SpfStatus.PERMERROR, "include:" + target.get() + ": no SPF record there");
            });
        });
    }

    /** §5.3: an address of {@code name} (A for an IPv4 client, AAAA for IPv6) in the CIDR range. */
    private CompletableFuture<Boolean> matchesAddressOf(String name, int ip4Prefix, int ip6Prefix) {
        return ask(addresses(name)).thenApply(found -> {
            temporary(found, "address of " + name);
            countVoid(found);
            return inRange(found.records(), ip4Prefix, ip6Prefix);
        });
    }

    /** §5.4: the addresses of the target's MX hosts, at most 10 of them (§4.6.4). */
    private CompletableFuture<Boolean> mx(String name, int ip4Prefix, int ip6Prefix) {
        return ask(dns.mx(name)).thenCompose(found -> {
            temporary(found, "MX of " + name);
            if (countVoid(found)) {
                return done(false);
            }
            List<MxRecord> records = found.records();
            if (records.size() > MAX_MX) {
                throw new Abort(SpfStatus.PERMERROR, name + " has " + records.size() + " MX records; more than "
                        + MAX_MX + " is a permerror (RFC 7208 §4.6.4)");
            }
            List<CompletableFuture<DnsResult<InetAddress>>> lookups = new ArrayList<>();
            for (MxRecord mx : records) {
                // a null MX (RFC 7505) names no host; a name DNS cannot ask for has no address
                if (!mx.isNullMx() && DnsNames.isValid(mx.host())) {
                    lookups.add(ask(addresses(mx.host())));
                }
            }
            return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(all -> {
                for (CompletableFuture<DnsResult<InetAddress>> lookup : lookups) {
                    DnsResult<InetAddress> addresses = lookup.join();
                    temporary(addresses, "address of an MX host of " + name);
                    if (inRange(addresses.records(), ip4Prefix, ip6Prefix)) {
                        return true;
                    }
                }
                return false;
            });
        });
    }

    /**
     * §5.5: the client's reverse names (the first 10, §4.6.4) that lie in {@code target} and
     * resolve back to the client. A failed PTR lookup is no match; a failed address lookup
     * skips that name.
     */
    private CompletableFuture<Boolean> ptr(String target) {
        return ask(dns.ptr(client)).thenCompose(found -> {
            if (countVoid(found) || found instanceof DnsResult.TempError) {
                return done(false);
            }
            List<String> inTarget = new ArrayList<>();
            for (String name : first(found.records(), MAX_PTR)) {
                if (within(name, target)) {
                    inTarget.add(name);
                }
            }
            return validated(inTarget).thenApply(names -> !names.isEmpty());
        });
    }

    /** The names among {@code names} with an address equal to the client's, in order. */
    private CompletableFuture<List<String>> validated(List<String> names) {
        List<CompletableFuture<Boolean>> checks = new ArrayList<>();
        for (String name : names) {
            checks.add(DnsNames.isValid(name) ? ask(addresses(name)).thenApply(found -> found.records().stream()
                    .anyMatch(address -> Arrays.equals(address.getAddress(), ip))) : done(false));
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(all -> {
            List<String> valid = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (checks.get(i).join()) {
                    valid.add(names.get(i));
                }
            }
            return valid;
        });
    }

    /**
     * §7.3 p: the client's validated reverse names, looked up once per check. Errors give no
     * names (and so "unknown"); the lookups are not terms, so they count toward no limit.
     */
    private synchronized CompletableFuture<List<String>> validatedNames() {
        if (validatedNames == null) {
            validatedNames = ask(dns.ptr(client)).thenCompose(found -> validated(first(found.records(), MAX_PTR)));
        }
        return validatedNames;
    }

    /** §7.3: the domain itself if validated, else a subdomain of it, else any validated name. */
    private static String pick(List<String> names, String domain) {
        for (String name : names) {
            if (DnsNames.normalize(name).equals(DnsNames.normalize(domain))) {
                return name;
            }
        }
        for (String name : names) {
            if (within(name, domain)) {
                return name;
            }
        }
        return names.isEmpty() ? "unknown" : names.get(0);
    }

    /** §6.2: the exp= text when it can be had, else the default; never an error. */
    private CompletableFuture<String> explain(Verdict verdict, MacroString defaultExplanation) {
        CompletableFuture<Optional<String>> fromDomain = verdict.record.explanation()
                .map(exp -> target(exp, verdict.domain).thenCompose(name -> name.isEmpty()
                        ? done(Optional.<String>empty())
                        : ask(dns.txt(name.get())).thenCompose(txt -> explanationText(txt, verdict.domain))))
                .orElseGet(() -> done(Optional.empty()));
        return fromDomain
                .exceptionally(error -> Optional.empty())
                .thenCompose(text -> text.isPresent() ? done(text.get()) : expand(defaultExplanation, verdict.domain));
    }

    /** §6.2: exactly one TXT record, of printable ASCII, in the explain-string syntax. */
    private CompletableFuture<Optional<String>> explanationText(DnsResult<String> txt, String domain) {
        if (txt.records().size() != 1) {
            return done(Optional.empty());
        }
        try {
            MacroString text = MacroString.parse(txt.records().get(0), MacroString.Kind.EXPLANATION);
            return expand(text, domain).thenApply(Optional::of);
        } catch (SpfSyntaxException e) {
            return done(Optional.empty());
        }
    }

    private CompletableFuture<Optional<String>> optionalTarget(Optional<MacroString> spec, String domain) {
        return spec.isPresent() ? target(spec.get(), domain) : done(Optional.of(domain));
    }

    /**
     * The expanded domain-spec as a name to ask for (§7.3): one final dot dropped, labels
     * removed from the left while it is over 253 octets. A name DNS cannot carry (an empty or
     * over-long label) is empty: the mechanism does not match, as for a name that does not exist
     * (§4.3, §4.8, errata and the test suite leave fail or permerror open; this is fail).
     */
    private CompletableFuture<Optional<String>> target(MacroString spec, String domain) {
        return expand(spec, domain).thenApply(expanded -> {
            String name = expanded.endsWith(".") ? expanded.substring(0, expanded.length() - 1) : expanded;
            while (name.length() > DnsNames.MAX_NAME) {
                int dot = name.indexOf('.');
                if (dot < 0) {
                    return Optional.empty();
                }
                name = name.substring(dot + 1);
            }
            return DnsNames.isValid(name) ? Optional.of(name) : Optional.empty();
        });
    }

    private CompletableFuture<String> expand(MacroString text, String domain) {
        if (!text.uses('p')) {
            return done(text.expand(letter -> value(letter, domain, null)));
        }
        return validatedNames().thenApply(names -> text.expand(letter -> value(letter, domain, pick(names, domain))));
    }

    /** §7.3 macro values. */
    private String value(char letter, String domain, String validatedName) {
        return switch (letter) {
            case 's' -> local + "@" + senderDomain;
            case 'l' -> local;
            case 'o' -> senderDomain;
            case 'd' -> domain;
            case 'i' -> IpAddresses.dotted(ip);
            case 'p' -> validatedName;
            case 'v' -> ipv4 ? "in-addr" : "ip6";
            case 'h' -> helo;
            case 'c' -> IpAddresses.readable(ip);
            case 'r' -> settings.receiver();
            case 't' -> Long.toString(clock.instant().getEpochSecond());
            default -> throw new IllegalStateException("macro letter " + letter);
        };
    }

    private void countDnsTerm(String term, String domain) {
        if (++dnsTerms > MAX_DNS_TERMS) {
            throw new Abort(SpfStatus.PERMERROR, "more than " + MAX_DNS_TERMS + " DNS-querying terms (RFC 7208 §4.6.4), "
                    + "the last " + term + " in the SPF record of " + domain);
        }
    }

    /** §4.6.4 void lookups; true when {@code found} is one. */
    private boolean countVoid(DnsResult<?> found) {
        if (!found.isVoid()) {
            return false;
        }
        if (++voidLookups > settings.maxVoidLookups()) {
            throw new Abort(SpfStatus.PERMERROR, "more than " + settings.maxVoidLookups()
                    + " lookups found nothing (void lookups, RFC 7208 §4.6.4)");
        }
        return true;
    }

    /** §5: a DNS error other than NXDOMAIN makes the whole check temperror. */
    private static void temporary(DnsResult<?> found, String what) {
        if (found instanceof DnsResult.TempError<?> error) {
            throw new Abort(SpfStatus.TEMPERROR, "DNS lookup of " + what + " failed: " + error.reason());
        }
    }

    private boolean inRange(List<InetAddress> addresses, int ip4Prefix, int ip6Prefix) {
        for (InetAddress address : addresses) {
            byte[] octets = address.getAddress();
            if (octets.length == ip.length && new IpNetwork(octets, ipv4 ? ip4Prefix : ip6Prefix).contains(ip)) {
                return true;
            }
        }
        return false;
    }

    private CompletionStage<DnsResult<InetAddress>> addresses(String name) {
        // §5: A records for an IPv4 client, AAAA for an IPv6 one
        return ipv4 ? dns.a(name) : dns.aaaa(name);
    }

    /** {@code name} equals {@code domain} or lies under it, ignoring case and final dots (§5.5). */
    private static boolean within(String name, String domain) {
        String n = DnsNames.normalize(name);
        String d = DnsNames.normalize(domain);
        return n.equals(d) || n.endsWith("." + d);
    }

    private static <T> List<T> first(List<T> list, int max) {
        return list.size() > max ? list.subList(0, max) : list;
    }

    /** A lookup whose failed stage (a resolver bug or an invalid name) counts as a temporary error. */
    private static <T> CompletableFuture<DnsResult<T>> ask(CompletionStage<DnsResult<T>> lookup) {
        return lookup.toCompletableFuture().exceptionally(error -> new DnsResult.TempError<>(String.valueOf(error)));
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

}
