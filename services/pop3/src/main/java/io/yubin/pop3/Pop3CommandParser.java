package io.yubin.pop3;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns one command line (without its CRLF) into a {@link Pop3Command}. A pure function: it never
 * throws on any input, and everything it does not understand becomes {@link Pop3Command.Invalid}.
 */
public final class Pop3CommandParser {

    /** Longer decimal numbers cannot be a message number or a line count. */
    private static final int MAX_DIGITS = 18;

    private Pop3CommandParser() {
    }

    public static Pop3Command parse(String line) {
        if (line.isEmpty()) {
            return new Pop3Command.Invalid("", "empty command");
        }
        int space = line.indexOf(' ');
        String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String rest = space < 0 ? "" : line.substring(space + 1);
        if (!keyword.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            return new Pop3Command.Invalid("", "unknown command");
        }
        // RFC 1939 §3: the password may contain spaces, so PASS takes the rest of the line as it is.
        if (keyword.equals("PASS")) {
            if (space < 0 || rest.isEmpty()) {
                return new Pop3Command.Invalid(keyword, "PASS needs a password");
            }
            if (rest.chars().anyMatch(c -> c == 0 || c == '\r' || c == '\n')) {
                return new Pop3Command.Invalid(keyword, "control characters in the password");
            }
            return new Pop3Command.Pass(rest);
        }
        if (rest.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return new Pop3Command.Invalid(keyword, "control characters in the command");
        }
        List<String> args = arguments(rest);
        return switch (keyword) {
            case "USER" -> args.size() == 1
                    ? new Pop3Command.User(args.get(0))
                    : new Pop3Command.Invalid(keyword, "USER takes exactly one argument");
            case "STAT" -> noArguments(keyword, args, new Pop3Command.Stat());
            case "NOOP" -> noArguments(keyword, args, new Pop3Command.Noop());
            case "RSET" -> noArguments(keyword, args, new Pop3Command.Rset());
            case "QUIT" -> noArguments(keyword, args, new Pop3Command.Quit());
            case "CAPA" -> noArguments(keyword, args, new Pop3Command.Capa());
            case "STLS" -> noArguments(keyword, args, new Pop3Command.Stls());
            case "LIST", "UIDL" -> {
                if (args.size() > 1) {
                    yield new Pop3Command.Invalid(keyword, keyword + " takes at most one message number");
                }
                long n = args.isEmpty() ? 0 : messageNumber(args.get(0));
                if (n < 0) {
                    yield new Pop3Command.Invalid(keyword, "invalid message number");
                }
                yield keyword.equals("LIST") ? new Pop3Command.ListMessages(n) : new Pop3Command.Uidl(n);
            }
            case "RETR", "DELE" -> {
                long n = args.size() == 1 ? messageNumber(args.get(0)) : -2;
                if (n == -2) {
                    yield new Pop3Command.Invalid(keyword, keyword + " takes exactly one message number");
                }
                if (n < 0) {
                    yield new Pop3Command.Invalid(keyword, "invalid message number");
                }
                yield keyword.equals("RETR") ? new Pop3Command.Retr(n) : new Pop3Command.Dele(n);
            }
            case "TOP" -> {
                if (args.size() != 2) {
                    yield new Pop3Command.Invalid(keyword, "TOP takes a message number and a line count");
                }
                long n = messageNumber(args.get(0));
                long lines = number(args.get(1));
                if (n < 0) {
                    yield new Pop3Command.Invalid(keyword, "invalid message number");
                }
                if (lines < 0) {
                    yield new Pop3Command.Invalid(keyword, "invalid line count");
                }
                yield new Pop3Command.Top(n, lines);
            }
            case "AUTH" -> switch (args.size()) {
                case 0 -> new Pop3Command.Auth(null, null);
                case 1 -> new Pop3Command.Auth(args.get(0).toUpperCase(Locale.ROOT), null);
                case 2 -> new Pop3Command.Auth(args.get(0).toUpperCase(Locale.ROOT), args.get(1));
                default -> new Pop3Command.Invalid(keyword, "AUTH takes a mechanism and an optional initial response");
            };
            case "APOP" -> new Pop3Command.Invalid(keyword, "APOP is not supported");
            default -> new Pop3Command.Invalid("", "unknown command");
        };
    }

    private static Pop3Command noArguments(String keyword, List<String> args, Pop3Command command) {
        return args.isEmpty() ? command : new Pop3Command.Invalid(keyword, keyword + " takes no arguments");
    }

    /** Arguments separated by spaces; runs of spaces and trailing spaces are tolerated. */
    private static List<String> arguments(String rest) {
        List<String> args = new ArrayList<>();
        for (String part : rest.split(" ")) {
            if (!part.isEmpty()) {
                args.add(part);
            }
        }
        return args;
    }

    /** A message number, 1 or more; -1 when the text is not one. */
    private static long messageNumber(String text) {
        long n = number(text);
        return n == 0 ? -1 : n;
    }

    /** A decimal number of plain digits; -1 when the text is not one. */
    static long number(String text) {
        if (text.isEmpty() || text.length() > MAX_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
