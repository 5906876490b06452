package io.yubin.mailauth;

import io.yubin.model.AddressException;
import io.yubin.model.Domain;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The author's domain: the domain of the one From field's mailboxes (RFC 5322 §3.6.2, §3.4), as an
 * A-label in lower case — what DMARC evaluates (RFC 7489 §3.1, §6.6.1) and what submission signs as
 * (DKIM). Display names, quoted strings, comments, groups and obsolete routes are skipped. No From
 * field, more than one, no mailbox, a mailbox without a domain, an address literal or mailboxes of
 * several domains give no author domain, with the reason.
 */
public sealed interface AuthorDomain {

    record Found(String domain) implements AuthorDomain {
    }

    record Invalid(String reason) implements AuthorDomain {
    }

    /** From the unfolded values of the message's From fields, as many as there are. */
    static AuthorDomain of(List<String> fromValues) {
        if (fromValues.isEmpty()) {
            return new Invalid("no From field");
        }
        if (fromValues.size() > 1) {
            return new Invalid("more than one From field");
        }
        List<String> domains = new ArrayList<>();
        for (String mailbox : mailboxes(fromValues.get(0))) {
            int at = mailbox.lastIndexOf('@');
            if (at < 1 || at == mailbox.length() - 1) {
                return new Invalid("a mailbox without a domain in From");
            }
            String domain;
            try {
                // RFC 6531 addresses: DNS is asked with A-labels
                domain = Domain.parse(mailbox.substring(at + 1).strip()).ascii().toLowerCase(Locale.ROOT);
            } catch (AddressException e) {
                return new Invalid("no domain name in From");
            }
            if (!domains.contains(domain)) {
                domains.add(domain);
            }
        }
        if (domains.isEmpty()) {
            return new Invalid("no address in From");
        }
        return domains.size() == 1 ? new Found(domains.get(0)) : new Invalid("From addresses of more than one domain");
    }

    /**
     * The addr-specs of a mailbox-list: per comma-separated element outside quotes, comments and
     * angle brackets, the text in angle brackets, else the element itself; comments removed and a
     * group's display name ({@code name:}) and end ({@code ;}) dropped.
     */
    private static List<String> mailboxes(String value) {
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
