package io.yubin.mailauth.dkim;

import java.util.OptionalLong;

/**
 * The result of one DKIM-Signature field, with what Authentication-Results reports of it
 * (RFC 8601 §2.7.1, RFC 6008). Properties the field did not carry are empty strings.
 *
 * @param status the result
 * @param reason why it is not a pass, short (empty for a pass)
 * @param domain d= (header.d)
 * @param selector s= (header.s)
 * @param algorithm a= as written (header.a)
 * @param identity i= (header.i); "@" and d= when the field has none
 * @param signaturePrefix the start of b= that tells this signature apart from the message's others,
 *     at least 8 characters (header.b, RFC 6008 §4)
 * @param bodyLength l= when the signature covers only the start of the body
 * @param testing the key record says t=y: the domain is testing DKIM (RFC 6376 §3.6.1)
 */
public record DkimResult(
        DkimStatus status,
        String reason,
        String domain,
        String selector,
        String algorithm,
        String identity,
        String signaturePrefix,
        OptionalLong bodyLength,
        boolean testing) {

    public boolean passed() {
        return status == DkimStatus.PASS;
    }
}
