package io.yubin.store;

import java.util.BitSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The address format of one domain: which local parts users and aliases may be created with, and
 * how a recipient's tag is split off (plus addressing, {@code alice+lists@example.org} reaching
 * alice). Checked on the local part in lower case, so {@code a-z} also takes {@code A-Z}.
 *
 * @param allowedCharacters the characters a new local part may use: characters and {@code x-y}
 *     ranges, a hyphen first or last standing for itself, e.g. {@code a-z0-9._-}; empty for every
 *     character an address may have
 * @param maxLength the most characters (code points) of a new local part; RFC 5321 §4.5.3.1.1 allows 64
 * @param reserved local parts no user or alias may be created with, in lower case
 * @param separator the plus-addressing separator, e.g. {@code +}; empty turns plus addressing off
 */
public record AddressPolicy(String allowedCharacters, int maxLength, Set<String> reserved, String separator) {

    /** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
    public static final int RFC_MAX_LENGTH = 64;

    /** Every local part the address syntax allows, up to 64 characters, nothing reserved, {@code +} as separator. */
    public static final AddressPolicy DEFAULT = new AddressPolicy("", RFC_MAX_LENGTH, Set.of(), "+");

    /** RFC 2142 §4-5: role mailboxes every mail domain should have. */
    public static final Set<String> ROLE_NAMES = Set.of("postmaster", "abuse");

    public AddressPolicy {
        Objects.requireNonNull(allowedCharacters, "allowedCharacters");
        Objects.requireNonNull(separator, "separator");
        reserved = Set.copyOf(reserved.stream().map(r -> r.toLowerCase(Locale.ROOT)).toList());
        if (maxLength < 1 || maxLength > RFC_MAX_LENGTH) {
            throw new IllegalArgumentException("the longest local part must be 1.." + RFC_MAX_LENGTH + ", was " + maxLength);
        }
        if (separator.codePointCount(0, separator.length()) > 1) {
            throw new IllegalArgumentException("the plus-addressing separator is one character or none, was \""
                    + separator + "\"");
        }
        if (!separator.isEmpty() && (separator.equals(".") || separator.equals("@") || separator.equals("\"")
                || separator.isBlank())) {
            throw new IllegalArgumentException("\"" + separator + "\" cannot be the plus-addressing separator");
        }
        characters(allowedCharacters);
    }

    /** Whether a recipient tag can be split off. */
    public boolean plusAddressing() {
        return !separator.isEmpty();
    }

    /**
     * The local part without its tag: {@code alice} for {@code alice+lists}; empty when plus
     * addressing is off or there is no tag. A local part starting with the separator has no base.
     */
    public Optional<String> base(String localPart) {
        if (separator.isEmpty()) {
            return Optional.empty();
        }
        int at = localPart.indexOf(separator);
        return at > 0 ? Optional.of(localPart.substring(0, at)) : Optional.empty();
    }

    /**
     * Why {@code localPart} breaks the format (characters, length), or empty when it does not.
     * Reserved names and the separator are rules for new users only ({@link #creationProblem}).
     */
    public Optional<String> formatProblem(String localPart) {
        int length = localPart.codePointCount(0, localPart.length());
        if (length > maxLength) {
            return Optional.of("the local part is longer than " + maxLength + " characters");
        }
        if (!allowedCharacters.isEmpty()) {
            BitSet allowed = characters(allowedCharacters);
            String lower = localPart.toLowerCase(Locale.ROOT);
            int bad = lower.codePoints().filter(c -> !allowed.get(c)).findFirst().orElse(-1);
            if (bad >= 0) {
                return Optional.of("the local part may only use the characters " + allowedCharacters + ", not \""
                        + Character.toString(bad) + "\"");
            }
        }
        return Optional.empty();
    }

    /** Why a user or alias may not be created with {@code localPart}, or empty when it may. */
    public Optional<String> creationProblem(String localPart) {
        Optional<String> format = formatProblem(localPart);
        if (format.isPresent()) {
            return format;
        }
        if (reserved.contains(localPart.toLowerCase(Locale.ROOT))) {
            return Optional.of("\"" + localPart + "\" is a reserved name in this domain");
        }
        if (plusAddressing() && localPart.contains(separator)) {
            return Optional.of("the local part must not contain \"" + separator
                    + "\", the domain's plus-addressing separator");
        }
        return Optional.empty();
    }

    /** The set {@code spec} names; IllegalArgumentException for a backwards range. */
    private static BitSet characters(String spec) {
        BitSet set = new BitSet(128);
        int[] cps = spec.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (i + 2 < cps.length && cps[i + 1] == '-') {
                if (cps[i + 2] < cps[i]) {
                    throw new IllegalArgumentException("\"" + spec + "\": the range " + Character.toString(cps[i]) + "-"
                            + Character.toString(cps[i + 2]) + " runs backwards");
                }
                set.set(cps[i], cps[i + 2] + 1);
                i += 2;
            } else {
                set.set(cps[i]);
            }
        }
        return set;
    }
}
