package io.yubin.delivery.tlsrpt;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reporting policy a domain publishes at {@code _smtp._tls.<domain>} (RFC 8460 §3):
 * {@code v=TLSRPTv1; rua=mailto:reports@example.com,https://reports.example.com/tlsrpt}.
 *
 * @param rua where reports go: {@code mailto:} and {@code https:} URIs, in the order given
 */
public record TlsRptRecord(List<URI> rua) {

    public TlsRptRecord {
        rua = List.copyOf(rua);
    }

    /**
     * The one valid record among {@code txt}, or null: §3 "v=TLSRPTv1" first, a rua of comma-separated
     * URIs (commas and semicolons inside a URI are %-encoded), unknown fields ignored; more than one
     * valid record means none is used.
     */
    public static TlsRptRecord select(List<String> txt) {
        TlsRptRecord found = null;
        for (String text : txt) {
            TlsRptRecord record = parse(text);
            if (record != null) {
                if (found != null) {
                    return null;
                }
                found = record;
            }
        }
        return found;
    }

    /** {@code text} as a record, or null when it is not a valid TLSRPTv1 record. */
    public static TlsRptRecord parse(String text) {
        String[] fields = text.split(";");
        if (fields.length == 0 || !fields[0].strip().equals("v=TLSRPTv1")) {
            return null;
        }
        List<URI> rua = null;
        for (int i = 1; i < fields.length; i++) {
            String field = fields[i].strip();
            int eq = field.indexOf('=');
            if (eq < 0) {
                if (field.isEmpty() && i == fields.length - 1) {
                    continue; // a final ";"
                }
                return null;
            }
            if (field.substring(0, eq).strip().equals("rua")) {
                rua = new ArrayList<>();
                for (String uri : field.substring(eq + 1).split(",")) {
                    URI parsed = uri(uri.strip());
                    if (parsed != null) {
                        rua.add(parsed);
                    }
                }
            }
        }
        return rua == null || rua.isEmpty() ? null : new TlsRptRecord(rua);
    }

    /** A mailto: with an address, or an https: URI; null for anything else. */
    private static URI uri(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("mailto") && uri.getSchemeSpecificPart().contains("@")) {
                return uri;
            }
            return scheme.equals("https") && uri.getHost() != null ? uri : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }
}
