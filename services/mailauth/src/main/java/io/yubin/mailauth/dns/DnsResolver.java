package io.yubin.mailauth.dns;

import java.net.InetAddress;
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
}
