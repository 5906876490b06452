package io.yubin.delivery.mtasts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A domain's MTA-STS policy (RFC 8461 §3.2), as fetched from
 * {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}.
 *
 * @param mode what a sender does when a host fails the policy
 * @param mx the host patterns: a host name, or {@code *.} and a domain for one more leftmost label
 * @param maxAge how long the policy may be cached
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge) {

    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
    public static final long MAX_AGE_LIMIT = 31_557_600L;

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,10}");
    // RFC 8461 §3.2: sts-policy-mx-value = ["*."] Domain
    private static final Pattern MX = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    public enum Mode {
        /** Deliver only to matching hosts with validated TLS. */
        ENFORCE,
        /** Deliver as without a policy; report failures (here: log them). */
        TESTING,
        /** As without a policy. */
        NONE
    }

    public MtaStsPolicy {
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
        Objects.requireNonNull(maxAge, "maxAge");
    }

    /** The policy as its lines (RFC 8461 §3.2), as a TLS report quotes it (RFC 8460 §4.4 policy-string). */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("version: STSv1");
        lines.add("mode: " + mode.name().toLowerCase(Locale.ROOT));
        mx.forEach(m -> lines.add("mx: " + m));
        lines.add("max_age: " + maxAge.toSeconds());
        return lines;
    }

    /**
     * Parses the policy text; lines end in LF or CRLF (RFC 8461 §3.2). Unknown keys are ignored; the
     * first of a repeated key other than {@code mx} counts.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static MtaStsPolicy parse(String text) {
        String version = null;
        String mode = null;
        String maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("not a key: value line: " + abbreviate(line));
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = version == null ? value : version;
                case "mode" -> mode = mode == null ? value : mode;
                case "max_age" -> maxAge = maxAge == null ? value : maxAge;
                case "mx" -> {
                    if (!MX.matcher(value).matches()) {
                        throw new IllegalArgumentException("not an mx pattern: " + abbreviate(value));
                    }
                    mx.add(value.toLowerCase(Locale.ROOT));
                }
                default -> {
                    // RFC 8461 §3.2: unknown fields are ignored
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new IllegalArgumentException("version is not STSv1: " + version);
        }
        Mode parsedMode = switch (mode == null ? "" : mode) {
            case "enforce" -> Mode.ENFORCE;
            case "testing" -> Mode.TESTING;
            case "none" -> Mode.NONE;
            default -> throw new IllegalArgumentException("mode is not enforce, testing or none: " + mode);
        };
        if (maxAge == null || !DIGITS.matcher(maxAge).matches()) {
            throw new IllegalArgumentException("max_age is not 1 to 10 digits: " + maxAge);
        }
        if (mx.isEmpty() && parsedMode != Mode.NONE) {
            throw new IllegalArgumentException("no mx in a policy of mode " + mode);
        }
        long seconds = Math.min(Long.parseLong(maxAge), MAX_AGE_LIMIT);
        return new MtaStsPolicy(parsedMode, mx, Duration.ofSeconds(seconds));
    }

    /**
     * Whether {@code host} (an MX host name) matches one of the patterns (RFC 8461 §4.1): equal ignoring
     * case, or {@code *.example.com} for exactly one label before {@code example.com}.
     */
    public boolean matches(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = name.indexOf('.');
                if (dot > 0 && name.substring(dot + 1).equals(pattern.substring(2))) {
                    return true;
                }
            } else if (name.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
