package io.yubin.mailauth.spf;

import io.yubin.mailauth.dns.DnsNames;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.model.AddressException;
import io.yubin.model.Domain;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sender Policy Framework (RFC 7208): whether a client may send with a MAIL FROM or HELO identity.
 * Asynchronous throughout: the DNS lookups go through a {@link DnsResolver}, and nothing blocks.
 */
public final class SpfVerifier {

    /**
     * @param maxVoidLookups §4.6.4: terms whose lookups find nothing (NXDOMAIN or no data) before
     *     the result is permerror; the RFC recommends 2
     * @param timeLimit §4.6.4: the longest one check may take; after it the result is temperror.
     *     The RFC asks for at least 20 seconds
     * @param receiver the %{r} macro (§7.3): the host name of this server, for explanations
     * @param defaultExplanation the explanation of a fail whose domain gives none (§6.2), a macro
     *     string in the explain-string syntax of §7.1
     */
    public record Settings(int maxVoidLookups, Duration timeLimit, String receiver, String defaultExplanation) {

        public static final Settings DEFAULT = new Settings(2, Duration.ofSeconds(20), "unknown",
                "%{i} is not one of %{d}'s designated mail servers (SPF)");

        public Settings {
            Objects.requireNonNull(timeLimit);
            Objects.requireNonNull(receiver);
            Objects.requireNonNull(defaultExplanation);
            if (maxVoidLookups < 0 || timeLimit.isNegative() || timeLimit.isZero()) {
                throw new IllegalArgumentException("bad SPF settings");
            }
        }

        /** These settings with another default explanation. */
        public Settings withDefaultExplanation(String defaultExplanation) {
            return new Settings(maxVoidLookups, timeLimit, receiver, defaultExplanation);
        }

        /** These settings with another time limit. */
        public Settings withTimeLimit(Duration timeLimit) {
            return new Settings(maxVoidLookups, timeLimit, receiver, defaultExplanation);
        }
    }

    private final DnsResolver dns;
    private final Clock clock;
    private final Settings settings;
    private final MacroString defaultExplanation;

    public SpfVerifier(DnsResolver dns, Clock clock, Settings settings) {
        this.dns = Objects.requireNonNull(dns);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        try {
            this.defaultExplanation = MacroString.parse(settings.defaultExplanation(), MacroString.Kind.EXPLANATION);
        } catch (SpfSyntaxException e) {
            throw new IllegalArgumentException("default SPF explanation: " + e.getMessage(), e);
        }
    }

    /**
     * Checks the MAIL FROM identity (§2.4): {@code mailFrom} is the reverse-path without angle
     * brackets; null, empty or {@code <>} is the null reverse-path, for which the identity is
     * postmaster at the HELO domain. {@code helo} is the HELO/EHLO argument as the client sent
     * it (it also feeds the %{h} macro). The stage does not fail: DNS trouble is temperror, and
     * a check that takes longer than the time limit is temperror too.
     */
    public CompletionStage<SpfResult> check(InetAddress client, String helo, String mailFrom) {
        String heloText = helo == null ? "" : helo;
        if (mailFrom == null || mailFrom.isEmpty() || mailFrom.equals("<>")) {
            return run(client, heloText, "postmaster", heloText, SpfIdentity.MAILFROM, "postmaster@" + heloText);
        }
        int at = mailFrom.lastIndexOf('@');
        String local = at < 0 ? "" : mailFrom.substring(0, at);
        String domain = mailFrom.substring(at + 1);
        // §4.3: a sender without a local-part is postmaster at its domain
        local = local.isEmpty() ? "postmaster" : local;
        return run(client, heloText, local, domain, SpfIdentity.MAILFROM, local + "@" + domain);
    }

    /**
     * Checks the HELO identity (§2.3): check_host() with the HELO domain as {@code <domain>} and
     * postmaster@HELO as {@code <sender>}. An address literal or a name that is not a
     * multi-label domain gives none. Recommended beside {@link #check}: a HELO fail or pass can
     * settle a message without the MAIL FROM lookups.
     */
    public CompletionStage<SpfResult> checkHelo(InetAddress client, String helo) {
        String heloText = helo == null ? "" : helo;
        return run(client, heloText, "postmaster", heloText, SpfIdentity.HELO, heloText);
    }

    private CompletionStage<SpfResult> run(InetAddress client, String helo, String local, String domainText,
            SpfIdentity identity, String sender) {
        Optional<String> domain = checkableDomain(domainText);
        if (domain.isEmpty()) {
            // §4.3: a malformed domain, or one that is not multi-label, gives none
            return CompletableFuture.completedFuture(new SpfResult(SpfStatus.NONE, identity, sender, domainText,
                    Optional.empty(), "\"" + domainText + "\" is not a domain name SPF can check"));
        }
        CheckHost check = new CheckHost(dns, settings, clock, IpAddresses.unmapped(client), local, domain.get(), helo);
        return check.run(domain.get(), defaultExplanation)
                .thenApply(outcome -> new SpfResult(outcome.status(), identity, sender, domain.get(),
                        outcome.explanation(), outcome.reason()));
    }

    /** The domain as check_host() asks for it, or empty when §4.3 says the result is none. */
    private static Optional<String> checkableDomain(String text) {
        String name = text;
        if (name.startsWith("[")) {
            return Optional.empty();
        }
        if (!name.chars().allMatch(c -> c < 0x80)) {
            try {
                name = Domain.parse(name).ascii();
            } catch (AddressException e) {
                return Optional.empty();
            }
        }
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (!DnsNames.isValid(name) || name.indexOf('.') < 0 || name.indexOf(' ') >= 0) {
            return Optional.empty();
        }
        return Optional.of(name);
    }
}
