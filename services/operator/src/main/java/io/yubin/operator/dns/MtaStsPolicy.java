package io.yubin.operator.dns;

import io.yubin.operator.DomainSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An MTA-STS policy (RFC 8461 §3.2) and its id: the id is taken from the policy's text, so it
 * changes exactly when the policy does, which tells senders to fetch it again (§3.1).
 */
public record MtaStsPolicy(String text, String id) {

    public static MtaStsPolicy of(DomainSettings settings) {
        StringBuilder text = new StringBuilder("version: STSv1\r\n")
                .append("mode: ").append(settings.mtaSts().mode()).append("\r\n");
        for (DomainSettings.Mx mx : settings.mxHosts()) {
            text.append("mx: ").append(mx.host()).append("\r\n");
        }
        text.append("max_age: ").append(settings.mtaSts().maxAge()).append("\r\n");
        String policy = text.toString();
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(policy.getBytes(StandardCharsets.US_ASCII));
            // §3.1: id is 1 to 32 letters and digits
            return new MtaStsPolicy(policy, HexFormat.of().formatHex(hash).substring(0, 32));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
