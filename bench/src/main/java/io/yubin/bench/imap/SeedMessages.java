package io.yubin.bench.imap;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The messages the benchmark puts in the mailboxes, the same for every server: message n of user u
 * is a function of (u, n) alone, as are its flags and internal date, so two servers seeded alike
 * hold the same mail in the same UID order. Plain RFC 5322 text, CRLF, lines under 78 octets,
 * 2-6 KiB; From one of {@value #SENDERS} senders, a Subject of three words from {@link #WORDS},
 * Message-ID {@code <n.u@seed.bench.test>}.
 */
final class SeedMessages {

    static final int SENDERS = 200;
    static final String[] WORDS = {
        "invoice", "meeting", "report", "holiday", "project", "budget", "lunch", "review", "release", "backup",
        "server", "contract", "travel", "update", "weekly", "summary", "question", "answer", "draft", "final",
        "urgent", "notice", "reminder", "agenda", "minutes", "schedule", "proposal", "feedback", "planning", "launch",
        "design", "testing", "deploy", "incident", "ticket", "support", "billing", "account", "renewal", "license",
        "garden", "recipe", "concert", "football", "weather", "birthday", "wedding", "photos", "newsletter", "offer",
        "discount", "order", "shipping", "delivery", "receipt", "password", "security", "alert", "migration", "quota",
        "archive", "calendar", "invitation", "training",
    };
    static final String[] KEYWORDS = {"$Label1", "$Label2", "$Label3", "$Label4", "$Label5"};

    private SeedMessages() {
    }

    static String sender(int index) {
        return "sender" + index + "@example.org";
    }

    static String messageId(int user, long n) {
        return "<" + n + "." + user + "@seed.bench.test>";
    }

    /** Message n of user u: 2-6 KiB of RFC 5322 text. */
    static byte[] message(int user, long n) {
        SplittableRandom r = random(user, n);
        int sender = r.nextInt(SENDERS);
        String subject = WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)] + " "
                + WORDS[r.nextInt(WORDS.length)] + " " + n;
        int size = 2048 + r.nextInt(4097);
        StringBuilder m = new StringBuilder(size + 128);
        m.append("Date: ").append(rfc5322Date(n)).append("\r\n")
                .append("From: Sender ").append(sender).append(" <").append(sender(sender)).append(">\r\n")
                .append("To: user").append(user).append("@bench.test\r\n")
                .append("Subject: ").append(subject).append("\r\n")
                .append("Message-ID: ").append(messageId(user, n)).append("\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: text/plain; charset=us-ascii\r\n")
                .append("\r\n");
        StringBuilder line = new StringBuilder(80);
        while (m.length() < size) {
            String word = WORDS[r.nextInt(WORDS.length)];
            if (line.length() + word.length() + 1 > 72) {
                m.append(line).append("\r\n");
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        m.append(line).append("\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The flags message n of user u is seeded with: \Seen half of them, \Flagged a tenth, \Answered a
     * twentieth, $Label1 an eighth, \Deleted one in a hundred. Empty or a parenthesized flag list.
     */
    static String flags(int user, long n) {
        SplittableRandom r = random(user, n).split();
        StringBuilder f = new StringBuilder();
        if (r.nextInt(2) == 0) {
            f.append(" \\Seen");
        }
        if (r.nextInt(10) == 0) {
            f.append(" \\Flagged");
        }
        if (r.nextInt(20) == 0) {
            f.append(" \\Answered");
        }
        if (r.nextInt(8) == 0) {
            f.append(" $Label1");
        }
        if (r.nextInt(100) == 0) {
            f.append(" \\Deleted");
        }
        return f.length() == 0 ? "" : "(" + f.substring(1) + ")";
    }

    /** The internal date of seed message n: n minutes after 2024-01-01 00:00 UTC (RFC 9051 date-time). */
    static String internalDate(long n) {
        java.time.ZonedDateTime t = java.time.ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC)
                .plusMinutes(n);
        return "\"" + java.time.format.DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", java.util.Locale.ROOT)
                .format(t) + "\"";
    }

    private static String rfc5322Date(long n) {
        return java.time.format.DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", java.util.Locale.ROOT)
                .format(java.time.ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC).plusMinutes(n));
    }

    private static SplittableRandom random(int user, long n) {
        return new SplittableRandom(user * 0x9E3779B97F4A7C15L ^ n * 0xC2B2AE3D27D4EB4FL);
    }
}
