package io.yubin.mailauth.authres;

import io.yubin.mailauth.dkim.ArcResult;
import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dmarc.DmarcResult;
import io.yubin.mailauth.dmarc.DmarcStatus;
import io.yubin.mailauth.spf.SpfResult;
import java.util.List;

/**
 * Writes the one Authentication-Results field (RFC 8601) of a message received over MX: spf with
 * smtp.mailfrom or smtp.helo (§2.7.2), one dkim result per signature with header.d, header.s and
 * header.b (§2.7.1, RFC 6008), arc (RFC 8617 §7.2), dmarc with header.from and policy.dmarc (RFC 7489 §11.2), each
 * result on its own folded line, a non-pass with a reason (§2.2).
 */
public final class ResultsHeader {

    public static final String FIELD_NAME = "Authentication-Results";

    private ResultsHeader() {
    }

    /**
     * The field, ending in CRLF. A null {@code spf} or {@code dmarc} leaves that method out; an
     * empty {@code dkim} is {@code dkim=none} (no signature).
     */
    public static String field(String authservId, SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc) {
        return field(authservId, spf, dkim, null, dmarc);
    }

    /** With the ARC chain validation status (RFC 8617 §7.2), left out when {@code arc} is null. */
    public static String field(String authservId, SpfResult spf, List<DkimResult> dkim, ArcResult arc,
            DmarcResult dmarc) {
        return field(authservId, spf, null, dkim, arc, dmarc);
    }

    /**
     * With the separate SPF check of the HELO identity (RFC 7208 §2.3) as a second spf result
     * ({@code smtp.helo}), left out when {@code helo} is null.
     */
    public static String field(String authservId, SpfResult spf, SpfResult helo, List<DkimResult> dkim, ArcResult arc,
            DmarcResult dmarc) {
        StringBuilder h = new StringBuilder(FIELD_NAME).append(": ").append(value(authservId));
        for (SpfResult r : new SpfResult[] {spf, helo}) {
            if (r != null) {
                h.append(";\r\n\tspf=").append(r.status().keyword());
                reason(h, r.status().keyword().equals("pass") ? "" : r.reason());
                h.append(' ').append(r.identity().property()).append('=').append(value(r.sender()));
            }
        }
        if (dkim.isEmpty()) {
            h.append(";\r\n\tdkim=none");
        }
        for (DkimResult r : dkim) {
            h.append(";\r\n\tdkim=").append(r.status().keyword());
            reason(h, r.reason());
            if (!r.domain().isEmpty()) {
                h.append(" header.d=").append(value(r.domain()));
            }
            if (!r.selector().isEmpty()) {
                h.append(" header.s=").append(value(r.selector()));
            }
            if (!r.signaturePrefix().isEmpty()) {
                h.append(" header.b=").append(value(r.signaturePrefix()));
            }
        }
        if (arc != null) {
            h.append(";\r\n\tarc=").append(arc.status().keyword());
            reason(h, arc.reason());
            if (arc.instances() > 0) {
                h.append(" (i=").append(arc.instances()).append(')');
            }
        }
        if (dmarc != null) {
            h.append(";\r\n\tdmarc=").append(dmarc.status().keyword());
            reason(h, dmarc.status() == DmarcStatus.PASS ? "" : dmarc.reason());
            if (dmarc.record().isPresent()) {
                h.append(" (p=").append(dmarc.record().get().policy().keyword());
                dmarc.record().get().subdomainPolicy().ifPresent(sp -> h.append(" sp=").append(sp.keyword()));
                h.append(" pct=").append(dmarc.record().get().percent()).append(')');
            }
            if (!dmarc.fromDomain().isEmpty()) {
                h.append(" header.from=").append(value(dmarc.fromDomain()));
            }
            h.append(" policy.dmarc=").append(dmarc.disposition().keyword());
        }
        return h.append("\r\n").toString();
    }

    private static void reason(StringBuilder h, String reason) {
        if (reason != null && !reason.isEmpty()) {
            h.append(" reason=").append(quoted(reason));
        }
    }

    /**
     * A pvalue (§2.2): as it is when it is a token, or local-part@domain with a dot-atom local part,
     * else a quoted-string.
     */
    static String value(String text) {
        String clean = clean(text);
        if (!clean.isEmpty() && isToken(clean)) {
            return clean;
        }
        int at = clean.lastIndexOf('@');
        if (at > 0 && isDotAtom(clean.substring(0, at)) && isToken(clean.substring(at + 1))) {
            return clean;
        }
        return quoted(clean);
    }

    static String quoted(String text) {
        return '"' + clean(text).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Control characters (CR and LF among them) never reach the header. */
    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().filter(c -> c >= 0x20 && c != 0x7f).forEach(out::appendCodePoint);
        return out.toString();
    }

    /** RFC 2045 §5.1 token: printable ASCII (or UTF-8, RFC 6532) except SP and tspecials. */
    private static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c > 0x20 && c != 0x7f && "()<>@,;:\\\"/[]?=".indexOf(c) < 0);
    }

    private static boolean isDotAtom(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        return s.chars().allMatch(c -> c > 0x7f || Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0);
    }
}
