package io.yubin.model;

import java.nio.charset.StandardCharsets;

/**
 * The paths of SMTP MAIL FROM and RCPT TO (RFC 5321 §4.1.2): {@code Path = "<" [ A-d-l ":" ]
 * Mailbox ">"}. A source route ({@code <@relay1,@relay2:user@example.org>}) is accepted and
 * ignored (RFC 5321 §4.1.1.3, Appendix C). The caller splits off the ESMTP parameters first.
 */
public final class SmtpPath {

    /** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, angle brackets included. */
    public static final int MAX_PATH_OCTETS = 256;

    private SmtpPath() {
    }

    /**
     * Parses a MAIL FROM reverse-path: {@code Reverse-path = Path / "<>"}.
     *
     * @return the sender, or null for the null reverse-path {@code <>}
     * @throws AddressException naming the problem and its position
     */
    public static MailAddress parseReversePath(String path, boolean allowUtf8) {
        if ("<>".equals(path)) {
            return null;
        }
        return parsePath(path, allowUtf8);
    }

    /**
     * Parses a RCPT TO forward-path. {@code <Postmaster>} without a domain is not an address here:
     * check {@link #isBarePostmaster(String)} first (RFC 5321 §4.1.1.3).
     *
     * @throws AddressException naming the problem and its position
     */
    public static MailAddress parseForwardPath(String path, boolean allowUtf8) {
        if (isBarePostmaster(path)) {
            throw new AddressException("<Postmaster> has no domain; it names the postmaster of this server "
                    + "(RFC 5321 §4.1.1.3) and must be handled before parsing", 1);
        }
        if ("<>".equals(path)) {
            throw new AddressException("the null path <> is not a valid recipient", 0);
        }
        return parsePath(path, allowUtf8);
    }

    /** True for the RCPT TO path {@code <Postmaster>} (any case), which has no domain (RFC 5321 §4.1.1.3). */
    public static boolean isBarePostmaster(String path) {
        return path != null && path.equalsIgnoreCase("<Postmaster>");
    }

    private static MailAddress parsePath(String path, boolean allowUtf8) {
        if (path == null || path.isEmpty()) {
            throw new AddressException("path is empty", 0);
        }
        int octets = path.getBytes(StandardCharsets.UTF_8).length;
        if (octets > MAX_PATH_OCTETS) {
            throw new AddressException("path is " + octets + " octets; the limit is " + MAX_PATH_OCTETS
                    + " (RFC 5321 §4.5.3.1.3)", 0);
        }
        if (path.charAt(0) != '<') {
            throw new AddressException(path.charAt(0) == ' ' ? "path starts with a space; none is allowed before '<'"
                    : "path must start with '<'", 0);
        }
        int pos = 1;
        if (pos < path.length() && path.charAt(pos) == '@') {
            pos = skipSourceRoute(path, pos, allowUtf8);
        }
        AddressParser.Parser p = AddressParser.parser(path, pos, allowUtf8);
        MailAddress address = p.mailbox(true);
        if (p.atEnd()) {
            throw new AddressException("path has no closing '>'", p.position());
        }
        if (p.peek() != '>') {
            throw new AddressException("unexpected " + DomainParser.describe(path.codePointAt(p.position()))
                    + " at position " + p.position() + "; expected '>'", p.position());
        }
        int end = p.position() + 1;
        if (end < path.length()) {
            throw new AddressException("unexpected " + DomainParser.describe(path.codePointAt(end))
                    + " at position " + end + " after the closing '>'", end);
        }
        return address;
    }

    /** A-d-l = At-domain *( "," At-domain ) ":" ; At-domain = "@" Domain. Returns the index after ':'. */
    private static int skipSourceRoute(String path, int pos, boolean allowUtf8) {
        while (true) {
            if (pos >= path.length() || path.charAt(pos) != '@') {
                throw new AddressException("source route needs '@' at position " + pos, pos);
            }
            int start = pos + 1;
            int end = start;
            while (end < path.length() && path.charAt(end) != ',' && path.charAt(end) != ':'
                    && path.charAt(end) != '>') {
                if (path.charAt(end) >= 0x80 && !allowUtf8) {
                    throw new AddressException("source route has the non-ASCII character "
                            + DomainParser.describe(path.codePointAt(end)) + " at position " + end
                            + "; this needs SMTPUTF8 (RFC 6531)", end);
                }
                end++;
            }
            if (end == start) {
                throw new AddressException("source route has an empty domain at position " + start, start);
            }
            if (path.charAt(start) == '[') {
                throw new AddressException("source route domain at position " + start
                        + " is an address literal; RFC 5321 §4.1.2 allows only domain names there", start);
            }
            DomainParser.toAscii(path.substring(start, end), start, false);
            if (end >= path.length() || path.charAt(end) == '>') {
                throw new AddressException("source route at position 1 needs ':' before the mailbox", end);
            }
            pos = end + 1;
            if (path.charAt(end) == ':') {
                return pos;
            }
        }
    }
}
