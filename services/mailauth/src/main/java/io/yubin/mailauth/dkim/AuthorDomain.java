package io.yubin.mailauth.dkim;

import io.yubin.model.AddressException;
import io.yubin.model.Domain;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The domain of the author: the domain part of every mailbox in a From field's value (RFC 5322
 * §3.6.2, §3.4), as an A-label in lower case. Display names, quoted strings, comments and groups
 * are skipped; a value that names no mailbox, or mailboxes of several domains, has no one author
 * domain, and a message with it is not signed as anybody.
 */
final class AuthorDomain {

    private AuthorDomain() {
    }

    /** The one domain of the mailboxes in {@code fromValue}; empty when there is none or more than one. */
    static Optional<String> of(String fromValue) {
        List<String> domains = new ArrayList<>();
        for (String mailbox : mailboxes(fromValue)) {
            int at = mailbox.lastIndexOf('@');
            if (at < 1 || at == mailbox.length() - 1) {
                return Optional.empty();
            }
            String domain;
            try {
                domain = Domain.parse(mailbox.substring(at + 1).strip()).ascii().toLowerCase(Locale.ROOT);
            } catch (AddressException e) {
                return Optional.empty();
            }
            if (!domains.contains(domain)) {
                domains.add(domain);
            }
        }
        return domains.size() == 1 ? Optional.of(domains.get(0)) : Optional.empty();
    }

    /**
     * The addr-specs of a mailbox-list: per comma-separated element outside quotes, comments and
     * angle brackets, the text in angle brackets, else the element itself; comments removed and a
     * group's display name ({@code name:}) and end ({@code ;}) dropped.
     */
    static List<String> mailboxes(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        StringBuilder angle = null;
        String lastAngle = null;
        boolean quoted = false;
        int comment = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < value.length()) {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (comment > 0) {
                if (c == '\\' && i + 1 < value.length()) {
                    i++;
                } else if (c == '(') {
                    comment++;
                } else if (c == ')') {
                    comment--;
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    if (angle != null) {
                        angle.append(c);
                    }
                    quoted = angle == null;
                }
                case '(' -> comment++;
                case '<' -> angle = new StringBuilder();
                case '>' -> {
                    if (angle != null) {
                        lastAngle = angle.toString();
                        angle = null;
                    }
                }
                case ',', ';' -> {
                    if (angle != null) {
                        angle.append(c); // inside an obsolete route
                        continue;
                    }
                    add(out, element, lastAngle);
                    element.setLength(0);
                    lastAngle = null;
                }
                case ':' -> {
                    if (angle == null) {
                        element.setLength(0); // a group's display name
                    } else {
                        angle.append(c);
                    }
                }
                default -> {
                    if (angle != null) {
                        angle.append(c);
                    } else {
                        element.append(c);
                    }
                }
            }
        }
        add(out, element, lastAngle);
        return out;
    }

    private static void add(List<String> out, StringBuilder element, String angle) {
        String spec = angle != null ? angle : element.toString();
        // folding white space and CRLF inside the value are not part of the address
        spec = spec.replaceAll("[\\s]+", "");
        // an obsolete route (RFC 5322 §4.4: <@a,@b:user@domain>) keeps only the part after its colon
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            spec = spec.substring(colon + 1);
        }
        if (!spec.isEmpty()) {
            out.add(spec);
        }
    }
}
