package io.yubin.mailauth.dmarc;

import io.yubin.mailauth.AuthorDomain;
import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dkim.DkimStatus;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.spf.SpfResult;
import io.yubin.mailauth.spf.SpfStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * DMARC (RFC 7489): finds the author domain's policy record, checks identifier alignment of the
 * SPF and DKIM results and decides the disposition.
 */
public final class DmarcVerifier {

    private final DnsResolver dns;
    private final OrganizationalDomains organizational;
    private final IntSupplier percentile;
    private final Duration timeLimit;

    /**
     * @param percentile a number from 0 to 99 for each failing message, compared with pct= (§6.6.4):
     *     uniformly random in production, fixed in tests
     * @param timeLimit for the record lookups; then temperror
     */
    public DmarcVerifier(DnsResolver dns, OrganizationalDomains organizational, IntSupplier percentile,
            Duration timeLimit) {
        this.dns = Objects.requireNonNull(dns);
        this.organizational = Objects.requireNonNull(organizational);
        this.percentile = Objects.requireNonNull(percentile);
        this.timeLimit = Objects.requireNonNull(timeLimit);
    }

    /** The Organizational Domains this verifier aligns by. */
    public OrganizationalDomains organizationalDomains() {
        return organizational;
    }

    /**
     * Evaluates a message.
     *
     * @param from the author domain from {@link AuthorDomain#of}: the domain, or why there is none
     * @param spf the SPF result whose domain is the MAIL FROM domain, or the HELO domain for a null
     *     reverse-path (§3.1.2); null when SPF was not checked
     * @param dkim the results of every DKIM-Signature
     */
    public CompletionStage<DmarcResult> check(AuthorDomain from, SpfResult spf, List<DkimResult> dkim) {
        if (from instanceof AuthorDomain.Invalid invalid) {
            return CompletableFuture.completedFuture(new DmarcResult(DmarcStatus.PERMERROR, "", Optional.empty(),
                    DmarcPolicy.NONE, DmarcPolicy.NONE, invalid.reason()));
        }
        String domain = OrganizationalDomains.normalize(((AuthorDomain.Found) from).domain());
        String org = organizational.of(domain);
        return lookup(domain).thenCompose(atDomain -> {
            if (!(atDomain instanceof Lookup.Missing missing) || missing.terminal() || org.equals(domain)) {
                return CompletableFuture.completedFuture(atDomain);
            }
            // §6.6.3 step 4: no record at the author domain, ask its Organizational Domain
            return lookup(org).thenApply(atOrg -> atOrg instanceof Lookup.Found found
                    ? new Lookup.Found(found.record(), true) : atOrg);
        }).thenApply(found -> evaluate(domain, found, spf, dkim));
    }

    private DmarcResult evaluate(String domain, Lookup found, SpfResult spf, List<DkimResult> dkim) {
        if (found instanceof Lookup.Temp temp) {
            return new DmarcResult(DmarcStatus.TEMPERROR, domain, Optional.empty(), DmarcPolicy.NONE,
                    DmarcPolicy.NONE, "policy lookup failed: " + temp.reason());
        }
        if (found instanceof Lookup.Missing missing) {
            return new DmarcResult(DmarcStatus.NONE, domain, Optional.empty(), DmarcPolicy.NONE, DmarcPolicy.NONE,
                    missing.reason());
        }
        Lookup.Found f = (Lookup.Found) found;
        DmarcRecord record = f.record();
        DmarcPolicy policy = f.fromOrganizationalDomain() ? record.subdomainPolicy().orElse(record.policy())
                : record.policy();
        Optional<DkimResult> alignedDkim = dkim.stream()
                .filter(r -> r.status() == DkimStatus.PASS)
                .filter(r -> record.dkimAlignment().aligned(domain, r.domain(), organizational))
                .findFirst();
        if (alignedDkim.isPresent()) {
            return new DmarcResult(DmarcStatus.PASS, domain, Optional.of(record), policy, DmarcPolicy.NONE,
                    "DKIM signature of " + alignedDkim.get().domain() + " aligned");
        }
        if (spf != null && spf.status() == SpfStatus.PASS
                && record.spfAlignment().aligned(domain, spf.domain(), organizational)) {
            return new DmarcResult(DmarcStatus.PASS, domain, Optional.of(record), policy, DmarcPolicy.NONE,
                    "SPF pass of " + spf.domain() + " aligned");
        }
        // A temporary error of SPF or of a DKIM key may hide an aligned pass: no policy on a guess.
        boolean temporary = (spf != null && spf.status() == SpfStatus.TEMPERROR)
                || dkim.stream().anyMatch(r -> r.status() == DkimStatus.TEMPERROR);
        if (temporary) {
            return new DmarcResult(DmarcStatus.TEMPERROR, domain, Optional.of(record), policy, DmarcPolicy.NONE,
                    "no aligned pass, and an SPF or DKIM check failed temporarily");
        }
        // §6.6.4: outside the pct= sample, the next policy down applies
        DmarcPolicy disposition = percentile.getAsInt() < record.percent() ? policy : policy.lower();
        return new DmarcResult(DmarcStatus.FAIL, domain, Optional.of(record), policy, disposition,
                "no aligned SPF or DKIM pass");
    }

    /** What the policy lookup at one name found. */
    private sealed interface Lookup {
        record Found(DmarcRecord record, boolean fromOrganizationalDomain) implements Lookup {
        }

        /** @param terminal policy discovery ends here (§6.6.3: more than one record) */
        record Missing(String reason, boolean terminal) implements Lookup {
            Missing(String reason) {
                this(reason, false);
            }
        }

        record Temp(String reason) implements Lookup {
        }
    }

    /** §6.6.3 steps 1–3, 5, 6: the TXT records at _dmarc.domain, exactly one of them a DMARC record. */
    private CompletionStage<Lookup> lookup(String domain) {
        String name = "_dmarc." + domain;
        CompletableFuture<DnsResult<String>> txt;
        try {
            txt = dns.txt(name).toCompletableFuture().thenApply(r -> r);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Lookup.Missing("no valid policy name for " + domain));
        }
        return txt.orTimeout(timeLimit.toMillis(), TimeUnit.MILLISECONDS).handle((result, error) -> {
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                return cause instanceof IllegalArgumentException
                        ? new Lookup.Missing("no valid policy name for " + domain)
                        : new Lookup.Temp(cause instanceof java.util.concurrent.TimeoutException
                                ? "no answer for " + name + " within " + timeLimit.toMillis() + " ms" : cause.toString());
            }
            if (result instanceof DnsResult.TempError<String> temp) {
                return new Lookup.Temp(name + ": " + temp.reason());
            }
            List<String> records = result.records().stream().filter(DmarcRecord::isDmarc).toList();
            if (records.isEmpty()) {
                return new Lookup.Missing("no DMARC record at " + name);
            }
            if (records.size() > 1) {
                return new Lookup.Missing("more than one DMARC record at " + name, true);
            }
            return DmarcRecord.parse(records.get(0)).<Lookup>map(r -> new Lookup.Found(r, false))
                    .orElseGet(() -> new Lookup.Missing("no usable p= in the DMARC record at " + name));
        });
    }
}
