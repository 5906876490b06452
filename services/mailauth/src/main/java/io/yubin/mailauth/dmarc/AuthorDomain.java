package io.yubin.mailauth.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The RFC5322.From domain DMARC evaluates (RFC 7489 §3.1, §6.6.1): the domain of the one From
 * field's address. No From field, more than one, an address without a domain, an address literal
 * or addresses of different domains give no author domain.
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
        List<String> domains;
        try {
            domains = domains(fromValues.get(0));
        } catch (IllegalArgumentException e) {
            return new Invalid("unreadable From field: " + e.getMessage());
        }
        if (domains.isEmpty()) {
            return new Invalid("no address in From");
        }
        String first = domains.get(0);
        for (String d : domains) {
            if (!d.equals(first)) {
                return new Invalid("From addresses of more than one domain");
            }
        }
        if (first.isEmpty() || first.startsWith("[")) {
            return new Invalid("no domain name in From");
        }
        try {
            // RFC 6531 addresses: DNS is asked with A-labels
            return new Found(java.net.IDN.toASCII(first, java.net.IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return new Invalid("no domain name in From");
        }
    }

    /** The domain of every address of an RFC 5322 address-list, comments and display names skipped. */
    private static List<String> domains(String value) {
        StringBuilder stripped = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && (quoted || depth > 0)) {
                i++;
                if (quoted) {
                    stripped.append('x');
                }
            } else if (quoted) {
                if (c == '"') {
                    quoted = false;
                }
                stripped.append(c == '"' ? '"' : (c == ',' || c == '<' || c == '>' || c == '@' || c == ':'
                        || c == ';' ? 'x' : c));
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                if (c == '"') {
                    quoted = true;
                }
                stripped.append(c);
            }
        }
        if (quoted || depth > 0) {
            throw new IllegalArgumentException("unbalanced quotes or comments");
        }
        List<String> domains = new ArrayList<>();
        String text = stripped.toString();
        // group syntax: "name: a@b, c@d;" — the group's display name ends at ':' outside <>
        for (String mailbox : text.replaceAll("(?s)^[^<@]*?:", "").replace(";", ",").split(",")) {
            String m = mailbox.strip();
            if (m.isEmpty()) {
                continue;
            }
            int lt = m.lastIndexOf('<');
            if (lt >= 0) {
                int gt = m.indexOf('>', lt);
                if (gt < 0) {
                    throw new IllegalArgumentException("unclosed <");
                }
                m = m.substring(lt + 1, gt).strip();
                // an obsolete route: <@a,@b:user@domain>
                int colon = m.lastIndexOf(':');
                m = colon >= 0 ? m.substring(colon + 1) : m;
            }
            int at = m.lastIndexOf('@');
            if (at < 0) {
                throw new IllegalArgumentException("an address without @");
            }
            domains.add(OrganizationalDomains.normalize(m.substring(at + 1).strip()).toLowerCase(Locale.ROOT));
        }
        return domains;
    }
}
