package io.yubin.model;

/** PLACEHOLDER: replaced by the real RFC 3501 §5.1.3 codec. */
final class ModifiedUtf7 {
    private ModifiedUtf7() {
    }

    static String encode(String s) {
        return s;
    }

    static String decode(String s) {
        return s;
    }
}
