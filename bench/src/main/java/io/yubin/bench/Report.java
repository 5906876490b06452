package io.yubin.bench;

import java.io.PrintStream;
import java.util.Locale;

/** The run's figures as human-readable lines and as one JSON line. */
final class Report {

    private final String label;
    private final LoadConfig config;
    private final int messageSize;
    private final LoadResult result;
    private final long processCpuNanos;
    private final long threadCpuNanos;
    private final SmtpLoad.Delivery delivery;

    Report(String label, LoadConfig config, int messageSize, LoadResult result, long processCpuNanos,
            long threadCpuNanos, SmtpLoad.Delivery delivery) {
        this.label = label;
        this.config = config;
        this.messageSize = messageSize;
        this.result = result;
        this.processCpuNanos = processCpuNanos;
        this.threadCpuNanos = threadCpuNanos;
        this.delivery = delivery;
    }

    void printHuman(PrintStream out) {
        LatencyStats l = result.latency();
        out.printf(Locale.ROOT, "target      %s:%d%s%n", config.host(), config.port(),
                label.isEmpty() ? "" : " (" + label + ")");
        out.printf(Locale.ROOT, "load        %d messages of %d octets over %d connections (%d opened, %d pipelining)%n",
                config.messages(), messageSize, config.connections(), result.connectionsOpened(),
                result.connectionsPipelining());
        out.printf(Locale.ROOT, "sent        %d   accepted %d   refused %d   failed %d%s%n", result.sent(),
                result.accepted(), result.refused(), result.failed(), refusals());
        out.printf(Locale.ROOT, "wall        %.3f s   accepted %.1f messages/s%n", seconds(result.wallNanos()),
                result.acceptedPerSecond());
        out.printf(Locale.ROOT, "latency     MAIL to final reply after DATA: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms%n",
                millis(l.percentile(50)), millis(l.percentile(90)), millis(l.percentile(99)), millis(l.max()));
        out.printf(Locale.ROOT, "generator   cpu %.3f s process (%.0f%% of one core), %.3f s in the I/O thread%n",
                seconds(processCpuNanos), 100.0 * processCpuNanos / Math.max(1, result.wallNanos()),
                seconds(threadCpuNanos));
        if (delivery != null) {
            out.printf(Locale.ROOT, "delivered   %d of %d after %.3f s from start: %.1f messages/s%s%n",
                    delivery.delivered(), delivery.expected(), seconds(delivery.nanos()), deliveredPerSecond(),
                    delivery.error() == null ? "" : "  (" + delivery.error() + ")");
        }
        if (result.firstError() != null) {
            out.printf(Locale.ROOT, "first error %s%n", result.firstError());
        }
    }

    String json() {
        LatencyStats l = result.latency();
        StringBuilder j = new StringBuilder(512).append('{');
        field(j, "label", label);
        field(j, "host", config.host());
        field(j, "port", config.port());
        field(j, "messages", config.messages());
        field(j, "message_octets", messageSize);
        field(j, "connections", config.connections());
        field(j, "connections_pipelining", result.connectionsPipelining());
        field(j, "sent", result.sent());
        field(j, "accepted", result.accepted());
        field(j, "refused", result.refused());
        field(j, "failed", result.failed());
        field(j, "wall_s", round(seconds(result.wallNanos()), 3));
        field(j, "accepted_per_s", round(result.acceptedPerSecond(), 1));
        field(j, "p50_ms", round(millis(l.percentile(50)), 3));
        field(j, "p90_ms", round(millis(l.percentile(90)), 3));
        field(j, "p99_ms", round(millis(l.percentile(99)), 3));
        field(j, "max_ms", round(millis(l.max()), 3));
        field(j, "generator_cpu_s", round(seconds(processCpuNanos), 3));
        field(j, "generator_io_thread_cpu_s", round(seconds(threadCpuNanos), 3));
        if (delivery != null) {
            field(j, "delivered", delivery.delivered());
            field(j, "delivered_s", round(seconds(delivery.nanos()), 3));
            field(j, "delivered_per_s", round(deliveredPerSecond(), 1));
            field(j, "delivery_complete", delivery.complete());
        }
        field(j, "timed_out", result.timedOut());
        field(j, "error", result.firstError());
        j.setLength(j.length() - 1);
        return j.append('}').toString();
    }

    private double deliveredPerSecond() {
        return delivery.nanos() == 0 ? 0 : delivery.delivered() * 1e9 / delivery.nanos();
    }

    private String refusals() {
        StringBuilder s = new StringBuilder();
        int[] counts = result.refusalCounts();
        for (int code = 0; code < counts.length; code++) {
            if (counts[code] > 0) {
                s.append(s.length() == 0 ? "   (" : ", ").append(code).append(" x").append(counts[code]);
            }
        }
        return s.length() == 0 ? "" : s.append(')').toString();
    }

    private static void field(StringBuilder j, String name, Object value) {
        j.append('"').append(name).append("\":");
        if (value == null) {
            j.append("null");
        } else if (value instanceof String s) {
            quote(j, s);
        } else {
            j.append(value);
        }
        j.append(',');
    }

    static void quote(StringBuilder j, String s) {
        j.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> j.append("\\\"");
                case '\\' -> j.append("\\\\");
                case '\n' -> j.append("\\n");
                case '\r' -> j.append("\\r");
                case '\t' -> j.append("\\t");
                default -> {
                    if (c < 0x20) {
                        j.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        j.append(c);
                    }
                }
            }
        }
        j.append('"');
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
