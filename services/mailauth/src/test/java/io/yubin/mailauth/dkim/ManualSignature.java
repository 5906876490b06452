package io.yubin.mailauth.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;

/**
 * Makes DKIM-Signature fields with any tags, for the verifier's tests of what the signer never
 * writes (rsa-sha1, l=, x=, simple canonicalization, odd h= lists).
 */
final class ManualSignature {

    private ManualSignature() {
    }

    /**
     * The field to prepend, signing {@code message} with {@code tags} (everything but bh= and b=).
     * c=, l= and h= are read from {@code tags}.
     */
    static String sign(String message, PrivateKey key, String tags) {
        try {
            HeaderField probe = new HeaderField(("DKIM-Signature: " + tags + "; bh=AAAA; b=AAAA\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            DkimSignature shape = DkimSignature.parse(probe, TagList.parse(probe.value()));
            MessageReader reader = new MessageReader(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
            List<HeaderField> header = reader.readHeader(1 << 20);
            BodyHashes.Key key0 = new BodyHashes.Key(shape.bodyCanonicalization(), shape.algorithm().digest(),
                    shape.bodyLength());
            BodyHashes hashes = new BodyHashes(List.of(key0));
            byte[] chunk = new byte[4096];
            for (int n; (n = reader.readBody(chunk)) >= 0; ) {
                hashes.update(chunk, 0, n);
            }
            String bh = Base64.getEncoder().encodeToString(hashes.finish().get(key0).digest());
            String template = "DKIM-Signature: " + tags + ";\r\n bh=" + bh + ";\r\n b=";
            byte[] input = HeaderHash.input(header, shape.signedHeaders(), shape.headerCanonicalization(),
                    (template + "\r\n").getBytes(StandardCharsets.UTF_8));
            return template + Base64.getEncoder().encodeToString(shape.algorithm().sign(key, input)) + "\r\n";
        } catch (DkimFormatException | IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
