package io.yubin.mailauth.dkim;

import java.util.Locale;

/** The dkim method results of Authentication-Results (RFC 8601 §2.7.1), as each signature gets one. */
public enum DkimStatus {
    /** The signature verified. */
    PASS,
    /** The signature or the body hash did not verify, or the key is too weak to count. */
    FAIL,
    /** The signature verified cryptographically as far as checked but is refused by policy: rsa-sha1 (RFC 8301). */
    POLICY,
    /** The DKIM-Signature field cannot be processed: a syntax error or an unsupported value, or a signature over the per-message limit. */
    NEUTRAL,
    /** The key could not be fetched now; a later attempt may succeed. */
    TEMPERROR,
    /** A permanent problem outside the signature's syntax: no key, a bad or revoked key, an expired signature. */
    PERMERROR;

    /** The result keyword as written in Authentication-Results. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
