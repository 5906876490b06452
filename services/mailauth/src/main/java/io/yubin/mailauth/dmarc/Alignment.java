package io.yubin.mailauth.dmarc;

/** Identifier alignment modes (RFC 7489 §3.1, adkim= and aspf=). */
public enum Alignment {
    /** The Organizational Domains are equal (the default). */
    RELAXED,
    /** The domains are equal. */
    STRICT;

    /** Whether {@code domain} is aligned with the RFC5322.From domain {@code from} in this mode. */
    public boolean aligned(String from, String domain, OrganizationalDomains organizational) {
        if (from.isEmpty() || domain.isEmpty()) {
            return false;
        }
        String a = OrganizationalDomains.normalize(from);
        String b = OrganizationalDomains.normalize(domain);
        return this == STRICT ? a.equals(b) : organizational.of(a).equals(organizational.of(b));
    }
}
