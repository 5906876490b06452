package io.yubin.smtp;

import io.yubin.model.Envelope;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A plain function from one command line (CRLF removed) to a {@link SmtpCommand}; never throws,
 * answers {@link SmtpCommand.Invalid} with the reply to give. Checks syntax only: what is allowed
 * in which state and on which listener is {@link SmtpSession}'s business.
 */
final class SmtpCommandParser {

    /** RFC 3461 §4.4: ENVID is at most 100 characters. */
    static final int MAX_ENVID = 100;
    /** RFC 3461 §4.2: ORCPT is at most 500 characters. */
    static final int MAX_ORCPT = 500;
    /** RFC 5321 §4.1.1.3: the one forward-path without a domain, this server's postmaster (any case). */
    private static final String BARE_POSTMASTER = "<Postmaster>";

    private SmtpCommandParser() {
    }

    static SmtpCommand parse(String line) {
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String argument = space < 0 ? "" : line.substring(space + 1);
        try {
            return switch (verb) {
                case "EHLO" -> new SmtpCommand.Ehlo(domainArgument(argument));
                case "HELO" -> new SmtpCommand.Helo(domainArgument(argument));
                case "MAIL" -> mail(argument);
                case "RCPT" -> rcpt(argument);
                case "DATA" -> noArgument(argument, new SmtpCommand.Data());
                case "BDAT" -> bdat(argument);
                case "RSET" -> noArgument(argument, new SmtpCommand.Rset());
                case "NOOP" -> new SmtpCommand.Noop();
                case "QUIT" -> noArgument(argument, new SmtpCommand.Quit());
                case "VRFY" -> argument.isBlank() ? invalid("Syntax: VRFY <string>") : new SmtpCommand.Vrfy(argument);
                case "HELP" -> new SmtpCommand.Help();
                // RFC 5321 §3.5.2, §4.2.4: a command the standard names but this server does not offer is
                // "502 not implemented", not "500 unrecognized" (EXPN would disclose lists' members).
                case "EXPN" -> new SmtpCommand.Invalid(SmtpReplies.EXPN_NOT_AVAILABLE);
                case "STARTTLS" -> noArgument(argument, new SmtpCommand.StartTls());
                case "AUTH" -> auth(argument);
                default -> new SmtpCommand.Invalid(SmtpReplies.UNKNOWN_COMMAND);
            };
        } catch (SyntaxError e) {
            return new SmtpCommand.Invalid(e.reply);
        }
    }

    private static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;
        final transient SmtpReply reply;

        SyntaxError(SmtpReply reply) {
            super(reply.text(), null, false, false);
            this.reply = reply;
        }
    }

    private static SmtpCommand invalid(String text) {
        return new SmtpCommand.Invalid(SmtpReplies.syntax(text));
    }

    private static SyntaxError error(String text) {
        return new SyntaxError(SmtpReplies.syntax(text));
    }

    private static SmtpCommand noArgument(String argument, SmtpCommand command) throws SyntaxError {
        if (!argument.isEmpty()) {
            throw error("No parameters allowed");
        }
        return command;
    }

    private static String domainArgument(String argument) throws SyntaxError {
        String domain = argument.strip();
        if (domain.isEmpty() || domain.contains(" ")) {
            throw error("Syntax: EHLO/HELO <domain>");
        }
        return domain;
    }

    private static String afterKeyword(String argument, String keyword) throws SyntaxError {
        if (!argument.regionMatches(true, 0, keyword, 0, keyword.length())) {
            throw error("Syntax: " + (keyword.equals("FROM:") ? "MAIL FROM:<address>" : "RCPT TO:<address>"));
        }
        // Lenient about a space after the colon, as most servers are.
        return argument.substring(keyword.length()).stripLeading();
    }

    private static SmtpCommand mail(String argument) throws SyntaxError {
        String rest = afterKeyword(argument, "FROM:");
        SmtpPathParser.Parsed path;
        try {
            path = SmtpPathParser.parse(rest, 0, true);
        } catch (IllegalArgumentException e) {
            throw new SyntaxError(new SmtpReply(501, "5.1.7", "Bad sender address syntax"));
        }
        long size = -1;
        Envelope.BodyType body = Envelope.BodyType.SEVEN_BIT;
        boolean smtpUtf8 = false;
        Envelope.DsnReturn ret = null;
        String envId = null;
        boolean requireTls = false;
        Set<String> seen = new HashSet<>();
        for (String[] p : parameters(rest.substring(path.end()))) {
            String key = p[0];
            String value = p[1];
            if (!seen.add(key)) {
                throw error("Duplicate parameter " + key);
            }
            switch (key) {
                case "SIZE" -> size = number(value, "SIZE", 20); // RFC 1870 §8: size-value ::= 1*20DIGIT
                case "REQUIRETLS" -> {
                    if (value != null) {
                        throw error("REQUIRETLS takes no value");
                    }
                    requireTls = true;
                }
                case "BODY" -> body = switch (required(value, key).toUpperCase(Locale.ROOT)) {
                    case "7BIT" -> Envelope.BodyType.SEVEN_BIT;
                    case "8BITMIME" -> Envelope.BodyType.EIGHT_BIT_MIME;
                    case "BINARYMIME" -> Envelope.BodyType.BINARY_MIME;
                    default -> throw error("BODY must be 7BIT, 8BITMIME or BINARYMIME");
                };
                case "SMTPUTF8" -> {
                    if (value != null) {
                        throw error("SMTPUTF8 takes no value");
                    }
                    smtpUtf8 = true;
                }
                case "RET" -> ret = switch (required(value, key).toUpperCase(Locale.ROOT)) {
                    case "FULL" -> Envelope.DsnReturn.FULL;
                    case "HDRS" -> Envelope.DsnReturn.HDRS;
                    default -> throw error("RET must be FULL or HDRS");
                };
                case "ENVID" -> {
                    envId = xtextDecode(required(value, key));
                    if (value.length() > MAX_ENVID) {
                        throw error("ENVID too long");
                    }
                }
                // RFC 4954 §5: AUTH= on MAIL is optional for the server to honour; it is ignored.
                case "AUTH" -> required(value, key);
                default -> throw unknownParameter(key);
            }
        }
        return new SmtpCommand.Mail(path.address(), size, body, smtpUtf8, ret, envId, requireTls);
    }

    private static SmtpCommand rcpt(String argument) throws SyntaxError {
        String rest = afterKeyword(argument, "TO:");
        SmtpPathParser.Parsed path;
        boolean barePostmaster = rest.regionMatches(true, 0, BARE_POSTMASTER, 0, BARE_POSTMASTER.length());
        try {
            path = barePostmaster ? new SmtpPathParser.Parsed(null, BARE_POSTMASTER.length())
                    : SmtpPathParser.parse(rest, 0, false);
        } catch (IllegalArgumentException e) {
            throw new SyntaxError(new SmtpReply(501, "5.1.3", "Bad recipient address syntax"));
        }
        Set<Envelope.DsnNotify> notify = EnumSet.noneOf(Envelope.DsnNotify.class);
        String orcpt = null;
        Set<String> seen = new HashSet<>();
        for (String[] p : parameters(rest.substring(path.end()))) {
            String key = p[0];
            String value = p[1];
            if (!seen.add(key)) {
                throw error("Duplicate parameter " + key);
            }
            switch (key) {
                case "NOTIFY" -> {
                    for (String v : required(value, key).toUpperCase(Locale.ROOT).split(",", -1)) {
                        try {
                            notify.add(Envelope.DsnNotify.valueOf(v));
                        } catch (IllegalArgumentException e) {
                            throw error("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                        }
                    }
                    // RFC 3461 §4.1: NEVER stands alone.
                    if (notify.contains(Envelope.DsnNotify.NEVER) && notify.size() > 1) {
                        throw error("NOTIFY=NEVER cannot be combined");
                    }
                }
                case "ORCPT" -> {
                    required(value, key);
                    int semicolon = value.indexOf(';');
                    if (semicolon < 1 || value.length() > MAX_ORCPT) {
                        throw error("ORCPT must be addr-type;xtext");
                    }
                    xtextDecode(value.substring(semicolon + 1));
                    orcpt = value;
                }
                default -> throw unknownParameter(key);
            }
        }
        return new SmtpCommand.Rcpt(path.address(), notify, orcpt);
    }

    private static SmtpCommand bdat(String argument) throws SyntaxError {
        String[] parts = argument.split(" ", -1);
        if (parts.length < 1 || parts.length > 2) {
            throw error("Syntax: BDAT <size> [LAST]");
        }
        long size = number(parts[0], "BDAT size", 18);
        boolean last = false;
        if (parts.length == 2) {
            if (!parts[1].equalsIgnoreCase("LAST")) {
                throw error("Syntax: BDAT <size> [LAST]");
            }
            last = true;
        }
        return new SmtpCommand.Bdat(size, last);
    }

    private static SmtpCommand auth(String argument) throws SyntaxError {
        String[] parts = argument.split(" ", -1);
        if (argument.isEmpty() || parts.length > 2 || parts[0].isEmpty()) {
            throw error("Syntax: AUTH <mechanism> [initial-response]");
        }
        return new SmtpCommand.Auth(parts[0].toUpperCase(Locale.ROOT), parts.length == 2 ? parts[1] : null);
    }

    private static SyntaxError unknownParameter(String key) {
        // RFC 5321 §4.1.1.11: 555 for parameters not recognized.
        return new SyntaxError(new SmtpReply(555, "5.5.4", "Unsupported parameter " + key));
    }

    private static String required(String value, String key) throws SyntaxError {
        if (value == null || value.isEmpty()) {
            throw error(key + " needs a value");
        }
        return value;
    }

    /**
     * Digits only, at most {@code maxDigits} of them; a value above what a long holds is
     * {@code Long.MAX_VALUE} (it is over every limit anyway).
     */
    private static long number(String value, String what, int maxDigits) throws SyntaxError {
        if (value == null || value.isEmpty() || value.length() > maxDigits
                || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw error(what + " must be a number");
        }
        return value.length() > 18 && new java.math.BigInteger(value).bitLength() > 63 ? Long.MAX_VALUE
                : Long.parseLong(value);
    }

    /** Space-separated {@code KEY[=VALUE]} parameters; keys upper-cased. */
    private static java.util.List<String[]> parameters(String text) throws SyntaxError {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        if (text.charAt(0) != ' ') {
            throw error("Expected a space before parameters");
        }
        for (String token : text.substring(1).split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            String key = (eq < 0 ? token : token.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (key.isEmpty() || !key.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                throw error("Bad parameter syntax");
            }
            out.add(new String[] {key, eq < 0 ? null : token.substring(eq + 1)});
        }
        return out;
    }

    /** RFC 3461 §4: xtext, {@code +XX} hex escapes of octets outside 33..126 and of {@code +} and {@code =}. */
    private static String xtextDecode(String text) throws SyntaxError {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+') {
                if (i + 2 >= text.length()) {
                    throw error("Bad xtext escape");
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0 || Character.isLowerCase(text.charAt(i + 1)) || Character.isLowerCase(text.charAt(i + 2))) {
                    throw error("Bad xtext escape");
                }
                out.append((char) (hi * 16 + lo));
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                throw error("Bad xtext character");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
