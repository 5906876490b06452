package io.yubin.mailauth.authres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the value of an Authentication-Results field (RFC 8601 §2.2) far enough to act on it: the
 * authserv-id, and each result's method, result keyword and properties (reason included, as
 * "reason"). Comments are skipped. A value that does not follow the grammar yields what was read
 * before the error.
 */
public final class ResultsParser {

    /** One resinfo: {@code method=result reason=... ptype.property=pvalue ...}. */
    public record Result(String method, String result, Map<String, String> properties) {
        public Result {
            properties = Map.copyOf(properties);
        }
    }

    /** The field as read; empty results for {@code none} (§2.2). */
    public record Parsed(String authservId, List<Result> results) {
        public Parsed {
            results = List.copyOf(results);
        }

        /** The first result of {@code method}. */
        public Optional<Result> first(String method) {
            return results.stream().filter(r -> r.method().equalsIgnoreCase(method)).findFirst();
        }
    }

    private final String text;
    private int pos;

    private ResultsParser(String text) {
        this.text = text;
    }

    /** The authserv-id alone; empty when the value has none. */
    public static Optional<String> authservId(String value) {
        ResultsParser p = new ResultsParser(value);
        p.skipCfws();
        String id = p.value();
        return id.isEmpty() ? Optional.empty() : Optional.of(id);
    }

    public static Parsed parse(String value) {
        ResultsParser p = new ResultsParser(value);
        p.skipCfws();
        String id = p.value();
        p.skipCfws();
        // an optional authres-version after the authserv-id
        while (p.pos < p.text.length() && Character.isDigit(p.text.charAt(p.pos))) {
            p.pos++;
        }
        List<Result> results = new ArrayList<>();
        while (true) {
            p.skipCfws();
            if (!p.take(';')) {
                break;
            }
            p.skipCfws();
            String method = p.token();
            if (method.isEmpty()) {
                break;
            }
            p.skipCfws();
            if (p.take('/')) {
                p.skipCfws();
                p.token();
                p.skipCfws();
            }
            if (!p.take('=')) {
                break;
            }
            p.skipCfws();
            String result = p.token();
            Map<String, String> properties = new LinkedHashMap<>();
            while (true) {
                p.skipCfws();
                int start = p.pos;
                String name = p.token();
                p.skipCfws();
                if (name.isEmpty() || !p.take('=')) {
                    p.pos = start;
                    break;
                }
                p.skipCfws();
                properties.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), p.value());
            }
            results.add(new Result(method.toLowerCase(java.util.Locale.ROOT),
                    result.toLowerCase(java.util.Locale.ROOT), properties));
        }
        return new Parsed(id, results);
    }

    private boolean take(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** A method, result or property name: up to white space or a special. */
    private String token() {
        int start = pos;
        while (pos < text.length() && " \t\r\n;=()\"/".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        return text.substring(start, pos);
    }

    /** A quoted-string (unquoted) or a run of octets up to white space, ';' or a comment. */
    private String value() {
        if (take('"')) {
            StringBuilder out = new StringBuilder();
            while (pos < text.length() && text.charAt(pos) != '"') {
                char c = text.charAt(pos++);
                if (c == '\\' && pos < text.length()) {
                    c = text.charAt(pos++);
                }
                out.append(c);
            }
            take('"');
            return out.toString();
        }
        int start = pos;
        while (pos < text.length() && " \t\r\n;()\"".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private void skipCfws() {
        int depth = 0;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (c == '\\' && depth > 0) {
                pos++;
            } else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return;
            }
            pos++;
        }
    }
}
