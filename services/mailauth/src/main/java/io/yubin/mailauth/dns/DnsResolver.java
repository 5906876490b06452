package io.yubin.mailauth.dns;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The DNS lookups the mail authentication standards need. Every method is asynchronous and
 * never blocks the calling thread. Names are in text form (A-labels, an optional final dot, see
 * {@link DnsNames#isValid}); CNAMEs are followed. DNS trouble is a {@link DnsResult.TempError},
 * never a failed stage: a stage fails only for a name that {@link DnsNames#isValid} refuses
 * ({@link IllegalArgumentException}).
 */
public interface DnsResolver {

    /**
     * The TXT records at {@code name}, each as its character-strings joined without separator
     * (RFC 7208 §3.3, RFC 6376 §3.6.2.2), one {@code char} per octet (ISO-8859-1), so that a
     * caller can refuse octets outside ASCII itself.
     */
    CompletionStage<DnsResult<String>> txt(String name);

    /** The IPv4 addresses (A records) of {@code name}; each an {@code Inet4Address}. */
    CompletionStage<DnsResult<InetAddress>> a(String name);

    /** The IPv6 addresses (AAAA records) of {@code name}; each an {@code Inet6Address}. */
    CompletionStage<DnsResult<InetAddress>> aaaa(String name);

    /** The MX records of {@code name}, in the order the server gave them. */
    CompletionStage<DnsResult<MxRecord>> mx(String name);

    /**
     * The names the reverse zone gives for {@code address} (PTR records at
     * {@link DnsNames#reverseName}), without the final dot.
     */
    CompletionStage<DnsResult<String>> ptr(InetAddress address);

    /**
     * As {@link #mx}, with whether DNSSEC proved the answer; a resolver that does not validate says
     * insecure, which is what this default does.
     */
    default CompletionStage<Validated<MxRecord>> validatedMx(String name) {
        return mx(name).thenApply(Validated::insecure);
    }

    /** As {@link #a}, with whether DNSSEC proved the answer (see {@link #validatedMx}). */
    default CompletionStage<Validated<InetAddress>> validatedA(String name) {
        return a(name).thenApply(Validated::insecure);
    }

    /** As {@link #aaaa}, with whether DNSSEC proved the answer (see {@link #validatedMx}). */
    default CompletionStage<Validated<InetAddress>> validatedAaaa(String name) {
        return aaaa(name).thenApply(Validated::insecure);
    }

    /**
     * The TLSA records at {@code name} (RFC 6698, e.g. {@code _25._tcp.mx.example.com}), with whether
     * DNSSEC proved them. TLSA records mean something only when secure (RFC 7672 §2.2), so a resolver
     * that does not validate does not ask: this default answers insecure "no data".
     */
    default CompletionStage<Validated<TlsaRecord>> tlsa(String name) {
        return CompletableFuture.completedFuture(Validated.insecure(new DnsResult.NoData<>()));
    }
}
