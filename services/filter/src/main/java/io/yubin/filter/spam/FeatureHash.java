package io.yubin.filter.spam;

/**
 * 64-bit feature hashes: FNV-1a over a token's characters, started from its kind's prefix and
 * finished with the SplitMix64 mixer, so that "subject:free" and "free" in the body are different
 * features. 64 bits make collisions negligible for the few million features of a model.
 */
final class FeatureHash {

    /**
     * The low bits of a feature of markup (an HTML tag or attribute name): {@link #MARKUP_TAG} in
     * them marks it, and no other feature has them ({@link #mix}).
     */
    static final long MARKUP_BITS = 0xFFFL;
    static final long MARKUP_TAG = 0xA5CL;

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private FeatureHash() {
    }

    /** The starting state of the tokens of one kind (a prefix such as {@code "subject"}). */
    static long seed(String prefix) {
        long h = FNV_OFFSET;
        for (int i = 0; i < prefix.length(); i++) {
            h = step(h, prefix.charAt(i));
        }
        return step(h, ':');
    }

    static long step(long h, char c) {
        return (h ^ c) * FNV_PRIME;
    }

    static long of(long seed, CharSequence token) {
        long h = seed;
        for (int i = 0; i < token.length(); i++) {
            h = step(h, token.charAt(i));
        }
        return mix(h);
    }

    /** The feature of two words {@code distance} words apart (OSB): the order and the gap both count. */
    static long pair(long earlier, long later, int distance) {
        return mix(earlier * 0x9e3779b97f4a7c15L + Long.rotateLeft(later, 23) + distance);
    }

    /** A token of markup: its feature carries {@link #MARKUP_TAG} in its low bits. */
    static long markup(long seed, CharSequence token) {
        return of(seed, token) & ~MARKUP_BITS | MARKUP_TAG;
    }

    static boolean isMarkup(long feature) {
        return (feature & MARKUP_BITS) == MARKUP_TAG;
    }

    /**
     * SplitMix64's finalizer: every input bit reaches every output bit. The one value in 4,096 that
     * would carry the markup tag has its lowest bit flipped, so only {@link #markup} features do.
     */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z = z ^ (z >>> 31);
        return isMarkup(z) ? z ^ 1 : z;
    }
}
