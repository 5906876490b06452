package io.yubin.model;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * The flags of a message: system flags and keywords. Keywords are atoms compared without regard to
 * case (RFC 9051 §2.3.2); the first spelling seen is kept. Immutable.
 */
public final class Flags {

    public static final Flags NONE = new Flags(EnumSet.noneOf(SystemFlag.class), new TreeMap<>());

    private final EnumSet<SystemFlag> system;
    /** lower-cased keyword -> spelling */
    private final TreeMap<String, String> keywords;

    private Flags(EnumSet<SystemFlag> system, TreeMap<String, String> keywords) {
        this.system = system;
        this.keywords = keywords;
    }

    /** Builds flags from their textual form, e.g. {@code \Seen}, {@code $Junk}. */
    public static Flags of(String... flags) {
        return of(java.util.List.of(flags));
    }

    /** Builds flags from their textual form; refuses unknown backslash flags and non-atoms. */
    public static Flags of(Collection<String> flags) {
        EnumSet<SystemFlag> system = EnumSet.noneOf(SystemFlag.class);
        TreeMap<String, String> keywords = new TreeMap<>();
        for (String f : flags) {
            if (f.startsWith("\\")) {
                SystemFlag sf = SystemFlag.fromText(f);
                if (sf == null) {
                    throw new IllegalArgumentException("unknown system flag " + f);
                }
                system.add(sf);
            } else {
                checkKeyword(f);
                keywords.putIfAbsent(f.toLowerCase(Locale.ROOT), f);
            }
        }
        return new Flags(system, keywords);
    }

    public static Flags of(SystemFlag... flags) {
        EnumSet<SystemFlag> system = EnumSet.noneOf(SystemFlag.class);
        Collections.addAll(system, flags);
        return new Flags(system, new TreeMap<>());
    }

    // RFC 9051 §9 flag-keyword = atom: no atom-specials, no controls, ASCII only.
    private static void checkKeyword(String k) {
        if (k.isEmpty() || k.length() > 255) {
            throw new IllegalArgumentException("keyword must be 1 to 255 characters");
        }
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "(){%*\"\\]".indexOf(c) >= 0) {
                throw new IllegalArgumentException("keyword " + k + " has a character not allowed in an atom");
            }
        }
    }

    public Set<SystemFlag> system() {
        return Collections.unmodifiableSet(system);
    }

    /** Keywords in their kept spelling, sorted by lower-case form. */
    public Set<String> keywords() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(keywords.values()));
    }

    public boolean contains(SystemFlag f) {
        return system.contains(f);
    }

    /** True for a system flag or keyword given in textual form, compared without regard to case. */
    public boolean contains(String flag) {
        SystemFlag sf = SystemFlag.fromText(flag);
        return sf != null ? system.contains(sf) : keywords.containsKey(flag.toLowerCase(Locale.ROOT));
    }

    public boolean isEmpty() {
        return system.isEmpty() && keywords.isEmpty();
    }

    /** The union of these flags and {@code other}. */
    public Flags with(Flags other) {
        EnumSet<SystemFlag> s = EnumSet.copyOf(system);
        s.addAll(other.system);
        TreeMap<String, String> k = new TreeMap<>(keywords);
        other.keywords.forEach(k::putIfAbsent);
        return new Flags(s, k);
    }

    /** These flags less those in {@code other}. */
    public Flags without(Flags other) {
        EnumSet<SystemFlag> s = EnumSet.copyOf(system);
        s.removeAll(other.system);
        TreeMap<String, String> k = new TreeMap<>(keywords);
        other.keywords.keySet().forEach(k::remove);
        return new Flags(s, k);
    }

    /** All flags in textual form: system flags first (in enum order), then keywords. */
    public Set<String> toStrings() {
        Set<String> out = new LinkedHashSet<>();
        system.forEach(f -> out.add(f.text()));
        out.addAll(keywords.values());
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Flags f && system.equals(f.system) && keywords.keySet().equals(f.keywords.keySet());
    }

    @Override
    public int hashCode() {
        return system.hashCode() * 31 + keywords.keySet().hashCode();
    }

    @Override
    public String toString() {
        return String.join(" ", toStrings());
    }
}
