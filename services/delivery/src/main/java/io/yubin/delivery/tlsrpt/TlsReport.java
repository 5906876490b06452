package io.yubin.delivery.tlsrpt;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * One day's report to one policy domain (RFC 8460 §4): the JSON, its gzip form, and the mail that
 * carries it (§5.3).
 *
 * @param submitter the domain of the reporting MTA (TLS-Report-Submitter)
 * @param reportId unique per report; a msg-id so that it also fits the Subject (§5.3)
 */
public record TlsReport(String organization, String contact, String submitter, String reportId, LocalDate day,
        String policyDomain, Map<TlsReportPolicy, TlsResults.Summary> policies) {

    /** RFC 5322 §3.3 date-time. */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    public TlsReport {
        policies = Map.copyOf(policies);
    }

    /** The start of the day, UTC. */
    public Instant begin() {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The start of the next day, UTC. */
    public Instant end() {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** §4.4: the report as JSON (RFC 7493 I-JSON). */
    public String json() {
        JsonArray entries = new JsonArray();
        policies.entrySet().stream().sorted(Map.Entry.comparingByKey(
                (a, b) -> (a.type() + " " + a.mxHosts()).compareTo(b.type() + " " + b.mxHosts())))
                .forEach(e -> entries.add(policyEntry(e.getKey(), e.getValue())));
        return new JsonObject()
                .put("organization-name", organization)
                .put("date-range", new JsonObject()
                        .put("start-datetime", DateTimeFormatter.ISO_INSTANT.format(begin()))
                        .put("end-datetime", DateTimeFormatter.ISO_INSTANT.format(end().minusSeconds(1))))
                .put("contact-info", contact)
                .put("report-id", reportId)
                .put("policies", entries)
                .encodePrettily();
    }

    private static JsonObject policyEntry(TlsReportPolicy policy, TlsResults.Summary summary) {
        JsonObject described = new JsonObject().put("policy-type", policy.type().wire());
        if (!policy.strings().isEmpty()) {
            described.put("policy-string", new JsonArray(List.copyOf(policy.strings())));
        }
        described.put("policy-domain", policy.domain());
        if (!policy.mxHosts().isEmpty()) {
            described.put("mx-host", new JsonArray(List.copyOf(policy.mxHosts())));
        }
        JsonObject entry = new JsonObject().put("policy", described).put("summary", new JsonObject()
                .put("total-successful-session-count", summary.successes())
                .put("total-failure-session-count", summary.failureCount()));
        if (!summary.failures().isEmpty()) {
            JsonArray details = new JsonArray();
            summary.failures().forEach((failure, count) -> {
                JsonObject detail = new JsonObject().put("result-type", failure.type().wire());
                if (failure.receivingMx() != null) {
                    detail.put("receiving-mx-hostname", failure.receivingMx());
                }
                if (failure.receivingIp() != null) {
                    detail.put("receiving-ip", failure.receivingIp());
                }
                detail.put("failed-session-count", count);
                if (failure.reason() != null) {
                    detail.put("failure-reason-code", failure.reason());
                }
                details.add(detail);
            });
            entry.put("failure-details", details);
        }
        return entry;
    }

    /** The JSON, gzip-compressed (§5.3: application/tlsrpt+gzip). */
    public byte[] gzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(json().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** §5.1: {@code submitter!policy-domain!begin!end!unique-id.json.gz}, times in seconds since the epoch. */
    public String fileName() {
        String unique = reportId.replaceAll("[^A-Za-z0-9.-]", "-");
        return submitter + "!" + policyDomain + "!" + begin().getEpochSecond() + "!" + end().getEpochSecond() + "!"
                + unique + ".json.gz";
    }

    /**
     * §5.3: the report by mail, a multipart/report of report-type "tlsrpt" with a short text and the
     * gzip attachment; TLS-Required: No (RFC 8689 §5) so that the report goes even where TLS fails.
     * Lines end in CRLF.
     */
    public byte[] mail(String from, List<String> to, Instant now, String messageId) {
        String boundary = "tlsrpt-" + Integer.toHexString(reportId.hashCode()) + "-" + now.toEpochMilli();
        String date = DATE.format(now.atOffset(ZoneOffset.UTC));
        StringBuilder m = new StringBuilder();
        m.append("From: ").append(from).append("\r\n");
        m.append("To: ").append(String.join(", ", to)).append("\r\n");
        m.append("Date: ").append(date).append("\r\n");
        m.append("Subject: Report Domain: ").append(policyDomain).append(" Submitter: ").append(submitter)
                .append(" Report-ID: <").append(reportId).append(">\r\n");
        m.append("Message-ID: <").append(messageId).append(">\r\n");
        m.append("TLS-Report-Domain: ").append(policyDomain).append("\r\n");
        m.append("TLS-Report-Submitter: ").append(submitter).append("\r\n");
        m.append("TLS-Required: No\r\n");
        m.append("Auto-Submitted: auto-generated\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"").append(boundary)
                .append("\"\r\n\r\n");
        m.append("This is a multipart message in MIME format.\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        m.append("This is an aggregate TLS report from ").append(submitter).append(" about the SMTP TLS sessions\r\n");
        m.append("it made with the mail servers of ").append(policyDomain).append(" on ").append(day)
                .append(" (UTC), as RFC 8460 describes.\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: application/tlsrpt+gzip\r\n");
        m.append("Content-Transfer-Encoding: base64\r\n");
        m.append("Content-Disposition: attachment;\r\n\tfilename=\"").append(fileName()).append("\"\r\n\r\n");
        m.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(gzip())).append("\r\n");
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
