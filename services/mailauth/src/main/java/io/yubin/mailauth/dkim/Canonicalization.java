package io.yubin.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** The two canonicalization algorithms of RFC 6376 §3.4, for header fields and for bodies. */
enum Canonicalization {
    SIMPLE,
    RELAXED;

    /** The name as written in c=. */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Canonicalization of(String tag) throws DkimFormatException {
        return switch (tag.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> throw new DkimFormatException("unsupported canonicalization " + tag);
        };
    }

    /** A header field as it enters the header hash, with its CRLF. */
    byte[] header(byte[] raw) {
        return this == SIMPLE ? raw : relaxedHeader(raw);
    }

    /** A body canonicalizer writing to {@code sink}; feed it the body once, then finish it. */
    BodyCanonicalizer body(BodyCanonicalizer.Sink sink) {
        return new BodyCanonicalizer(this == RELAXED, sink);
    }

    // §3.4.2: lower-case name, unfold, reduce each WSP run to one SP, no WSP at the ends of the
    // value nor around the colon
    private static byte[] relaxedHeader(byte[] raw) {
        int n = raw.length;
        if (n >= 2 && raw[n - 2] == '\r' && raw[n - 1] == '\n') {
            n -= 2;
        }
        int colon = -1;
        for (int i = 0; i < n; i++) {
            if (raw[i] == ':') {
                colon = i;
                break;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 2);
        int nameEnd = colon < 0 ? n : colon;
        while (nameEnd > 0 && HeaderField.isWsp(raw[nameEnd - 1])) {
            nameEnd--;
        }
        for (int i = 0; i < nameEnd; i++) {
            byte b = raw[i];
            out.write(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        if (colon >= 0) {
            out.write(':');
            boolean pendingSpace = false;
            boolean any = false;
            for (int i = colon + 1; i < n; i++) {
                byte b = raw[i];
                if (b == '\r' && i + 1 < n && raw[i + 1] == '\n') {
                    i++;
                    continue;
                }
                if (HeaderField.isWsp(b)) {
                    pendingSpace = any;
                    continue;
                }
                if (pendingSpace) {
                    out.write(' ');
                    pendingSpace = false;
                }
                out.write(b);
                any = true;
            }
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }
}
