package io.yubin.mailauth.dmarc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A DMARC policy record (RFC 7489 §6.3, §6.4). Tags with an invalid value take their default, as
 * §6.3 asks ("syntax errors in the remainder of the record SHOULD be discarded in favor of default
 * values"); unknown tags are ignored.
 *
 * @param policy p=
 * @param subdomainPolicy sp=; empty when absent (then p= applies to subdomains)
 * @param percent pct=, 0 to 100
 * @param dkimAlignment adkim=
 * @param spfAlignment aspf=
 * @param aggregateReports rua= URIs (with any !size suffix), in order
 * @param failureReports ruf= URIs
 * @param failureOptions fo= options (0, 1, d, s), in order
 */
public record DmarcRecord(DmarcPolicy policy, Optional<DmarcPolicy> subdomainPolicy, int percent,
        Alignment dkimAlignment, Alignment spfAlignment, List<String> aggregateReports, List<String> failureReports,
        List<String> failureOptions) {

    public DmarcRecord {
        aggregateReports = List.copyOf(aggregateReports);
        failureReports = List.copyOf(failureReports);
        failureOptions = List.copyOf(failureOptions);
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("pct out of range");
        }
    }

    /** Whether a TXT record is meant as a DMARC record: its first tag is v=DMARC1 (§6.6.3 step 3). */
    static boolean isDmarc(String text) {
        int semi = text.indexOf(';');
        String first = (semi < 0 ? text : text.substring(0, semi)).strip();
        int eq = first.indexOf('=');
        return eq > 0 && first.substring(0, eq).strip().equals("v") && first.substring(eq + 1).strip().equals("DMARC1");
    }

    /**
     * Parses a record that {@link #isDmarc} accepted. A record without a valid p= is read as p=none
     * when rua= holds a valid URI (§6.6.3 step 6), else it is not a usable record (empty).
     */
    public static Optional<DmarcRecord> parse(String text) {
        if (!isDmarc(text)) {
            return Optional.empty();
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (String part : text.split(";", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = part.substring(0, eq).strip();
            // §6.4: tag names are case-insensitive in practice; the first occurrence wins
            tags.putIfAbsent(name.toLowerCase(Locale.ROOT), part.substring(eq + 1).strip());
        }
        List<String> rua = uris(tags.get("rua"));
        List<String> ruf = uris(tags.get("ruf"));
        DmarcPolicy p = tags.containsKey("p") ? DmarcPolicy.parse(tags.get("p").toLowerCase(Locale.ROOT)) : null;
        DmarcPolicy sp = tags.containsKey("sp") ? DmarcPolicy.parse(tags.get("sp").toLowerCase(Locale.ROOT)) : null;
        if (p == null) {
            if (rua.isEmpty()) {
                return Optional.empty();
            }
            p = DmarcPolicy.NONE;
        }
        return Optional.of(new DmarcRecord(p, Optional.ofNullable(sp), percent(tags.get("pct")),
                alignment(tags.get("adkim")), alignment(tags.get("aspf")), rua, ruf, failureOptions(tags.get("fo"))));
    }

    private static int percent(String value) {
        if (value == null || value.isEmpty() || value.length() > 3 || !value.chars().allMatch(Character::isDigit)) {
            return 100;
        }
        int n = Integer.parseInt(value);
        return n > 100 ? 100 : n;
    }

    private static Alignment alignment(String value) {
        return "s".equalsIgnoreCase(value) ? Alignment.STRICT : Alignment.RELAXED;
    }

    /** §6.4 dmarc-uri: a URI (RFC 3986 scheme ":" ...) with an optional "!" size; others are dropped. */
    private static List<String> uris(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String uri : value.split(",")) {
            String u = uri.strip();
            int colon = u.indexOf(':');
            if (colon > 0 && Character.isLetter(u.charAt(0))
                    && u.substring(0, colon).chars().allMatch(c -> Character.isLetterOrDigit(c) || "+-.".indexOf(c) >= 0)
                    && u.length() > colon + 1 && u.chars().noneMatch(c -> c <= ' ' || c == ';')) {
                out.add(u);
            }
        }
        return out;
    }

    private static List<String> failureOptions(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String option : value.split(":")) {
                String o = option.strip().toLowerCase(Locale.ROOT);
                if (o.equals("0") || o.equals("1") || o.equals("d") || o.equals("s")) {
                    out.add(o);
                }
            }
        }
        return out.isEmpty() ? List.of("0") : out;
    }
}
