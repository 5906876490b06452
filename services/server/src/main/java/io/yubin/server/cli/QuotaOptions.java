package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The limits of {@code yubin user quota} and {@code yubin domain quota}, and how a quota is printed. A
 * limit left out keeps its value; 0 (or {@code none}) removes it.
 */
final class QuotaOptions {

    @Option(names = "--storage", paramLabel = "SIZE", converter = Size.class,
            description = "Storage limit: bytes, or with a K, M, G or T suffix (powers of 1024); 0 or none: no limit.")
    Long storage;

    @Option(names = "--messages", paramLabel = "COUNT", converter = Count.class,
            description = "Message-count limit; 0 or none: no limit.")
    Long messages;

    boolean any() {
        return storage != null || messages != null;
    }

    /** The admin API body: only the limits given. */
    ObjectNode body() {
        ObjectNode body = GroupCommand.object();
        if (storage != null) {
            body.put("storageBytes", storage);
        }
        if (messages != null) {
            body.put("messages", messages);
        }
        return body;
    }

    /** Two lines: storage and messages, each its use, its limit and how full. */
    static void print(PrintWriter out, JsonNode quota) {
        long usedBytes = quota.path("usedBytes").asLong();
        long storage = quota.path("storageBytes").asLong();
        long usedMessages = quota.path("usedMessages").asLong();
        long messages = quota.path("messages").asLong();
        out.println("storage\t" + usedBytes + (storage == 0 ? " bytes, no limit"
                : " of " + storage + " bytes (" + human(storage) + ", " + percent(usedBytes, storage) + " % used)"));
        out.println("messages\t" + usedMessages + (messages == 0 ? ", no limit"
                : " of " + messages + " (" + percent(usedMessages, messages) + " % used)"));
    }

    private static long percent(long used, long limit) {
        return used * 100 / limit;
    }

    static String human(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        String unit = "bytes";
        for (String u : units) {
            if (value < 1024) {
                break;
            }
            value /= 1024;
            unit = u;
        }
        return unit.equals("bytes") ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", value, unit);
    }

    /** {@code 500M}, {@code 10G}, {@code 1048576}, {@code 0}, {@code none}. */
    static final class Size implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            if (v.equals("NONE")) {
                return 0L;
            }
            if (v.endsWith("IB")) {
                v = v.substring(0, v.length() - 2);
            } else if (v.endsWith("B") && v.length() > 1 && !Character.isDigit(v.charAt(v.length() - 2))) {
                v = v.substring(0, v.length() - 1);
            }
            int shift = v.isEmpty() ? 0 : switch (v.charAt(v.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
            long number;
            try {
                number = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a size: write bytes, or a whole number with K, M, G or T (e.g. 500M, 10G)");
            }
            if (number < 0 || number > (Long.MAX_VALUE >> shift)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is out of range");
            }
            return number << shift;
        }
    }

    /** A whole number of messages, 0 or {@code none}. */
    static final class Count implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (value.trim().equalsIgnoreCase("none")) {
                return 0L;
            }
            try {
                long n = Long.parseLong(value.trim());
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a message count (a whole number, 0 or none)");
        }
    }
}
