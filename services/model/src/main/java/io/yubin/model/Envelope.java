package io.yubin.model;

import java.util.List;
import java.util.Objects;

/**
 * The SMTP envelope of an accepted message (RFC 5321 §2.3.1) with the parameters that travel with
 * it: BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), DSN RET/ENVID (RFC 3461 §4.3, §4.4) and the
 * sender's TLS request (RFC 8689).
 *
 * @param sender the reverse-path; null for the null reverse-path {@code <>}
 * @param recipients the forward-paths in the order they were accepted, at least one
 * @param body the declared body type
 * @param smtpUtf8 whether the client asked for SMTPUTF8
 * @param dsnReturn RET=FULL or RET=HDRS, null when not given
 * @param envId ENVID as given (xtext decoded), null when not given
 * @param tls what the sender asked of the TLS on the way on (RFC 8689)
 */
public record Envelope(MailAddress sender, List<Recipient> recipients, BodyType body, boolean smtpUtf8,
        DsnReturn dsnReturn, String envId, TlsRequirement tls) {

    /** An envelope whose sender asked nothing of TLS. */
    public Envelope(MailAddress sender, List<Recipient> recipients, BodyType body, boolean smtpUtf8,
            DsnReturn dsnReturn, String envId) {
        this(sender, recipients, body, smtpUtf8, dsnReturn, envId, TlsRequirement.POLICY);
    }

    public Envelope {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(tls, "tls");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
    }

    /** An envelope with no extension parameters. */
    public static Envelope of(MailAddress sender, List<MailAddress> recipients) {
        return new Envelope(sender, recipients.stream().map(Recipient::of).toList(), BodyType.SEVEN_BIT, false,
                null, null);
    }

    /** This envelope with another TLS requirement. */
    public Envelope withTls(TlsRequirement requirement) {
        return new Envelope(sender, recipients, body, smtpUtf8, dsnReturn, envId, requirement);
    }

    /**
     * What the sender asked of the TLS of the hops after the one that accepted the message (RFC 8689).
     */
    public enum TlsRequirement {
        /** Nothing: the relaying server's own policy (opportunistic TLS, the recipient domain's MTA-STS or DANE). */
        POLICY,
        /**
         * The REQUIRETLS MAIL parameter (RFC 8689 §4.2.1): every hop over TLS, to a next hop whose MX records
         * DNSSEC or an MTA-STS policy proved and whose certificate validates, that supports REQUIRETLS itself.
         */
        REQUIRETLS,
        /**
         * A {@code TLS-Required: No} header field and no REQUIRETLS (RFC 8689 §3, §4.2.2): the recipient domain's
         * MTA-STS and DANE policies are not enforced; TLS is still used when offered.
         */
        TLS_OPTIONAL
    }

    /** BODY= values (RFC 6152 §2, RFC 3030 §3). */
    public enum BodyType { SEVEN_BIT, EIGHT_BIT_MIME, BINARY_MIME }

    /** RET= values (RFC 3461 §4.3). */
    public enum DsnReturn { FULL, HDRS }

    /** NOTIFY= values (RFC 3461 §4.1). */
    public enum DsnNotify { NEVER, SUCCESS, FAILURE, DELAY }

    /**
     * One forward-path with its DSN parameters.
     *
     * @param address the recipient
     * @param notifyOn NOTIFY= values; empty when not given (default behaviour: FAILURE and DELAY)
     * @param originalRecipient ORCPT= as given, e.g. {@code rfc822;bob@example.org}; null when absent
     */
    public record Recipient(MailAddress address, java.util.Set<DsnNotify> notifyOn, String originalRecipient) {

        public Recipient {
            Objects.requireNonNull(address, "address");
            notifyOn = java.util.Set.copyOf(notifyOn);
        }

        public static Recipient of(MailAddress address) {
            return new Recipient(address, java.util.Set.of(), null);
        }
    }
}
