package io.yubin.mailauth.dkim;

import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link DkimKeyLookup} on the shared {@link DnsResolver}: TXT records with their strings joined
 * (RFC 6376 §3.6.2.2, done by the resolver), NXDOMAIN and no data as "no record" (a permerror of
 * the signature, §6.1.2), a temporary DNS error or a lookup over the time limit as a temporary
 * failure (a temperror). A name DNS cannot carry (a selector with a label over 63 octets) cannot
 * hold a key: "no record".
 */
public final class DnsKeyLookup implements DkimKeyLookup {

    private final DnsResolver dns;
    private final Duration timeLimit;

    public DnsKeyLookup(DnsResolver dns, Duration timeLimit) {
        this.dns = Objects.requireNonNull(dns);
        if (timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("the time limit must be positive");
        }
        this.timeLimit = timeLimit;
    }

    @Override
    public CompletionStage<Answer> txt(String name) {
        CompletableFuture<DnsResult<String>> lookup;
        try {
            lookup = dns.txt(name).toCompletableFuture();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new NoRecord());
        }
        // a copy, so the time limit does not complete the resolver's own (possibly shared) future
        return lookup.thenApply(r -> r).orTimeout(timeLimit.toMillis(), TimeUnit.MILLISECONDS)
                .handle((result, error) -> {
                    if (error != null) {
                        Throwable cause = error.getCause() != null ? error.getCause() : error;
                        if (cause instanceof IllegalArgumentException) {
                            return new NoRecord();
                        }
                        return new TemporaryFailure(cause instanceof TimeoutException
                                ? "no answer within " + timeLimit.toMillis() + " ms" : String.valueOf(cause));
                    }
                    if (result instanceof DnsResult.Answer<String> answer) {
                        return new Records(answer.records());
                    }
                    if (result instanceof DnsResult.TempError<String> temp) {
                        return new TemporaryFailure(temp.reason());
                    }
                    return new NoRecord();
                });
    }
}
