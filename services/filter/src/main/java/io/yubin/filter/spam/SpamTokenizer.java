package io.yubin.filter.spam;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.util.ContentUtil;

/**
 * A message's raw RFC 5322 octets to its features, as distinct 64-bit hashes.
 *
 * <p>Features: the words of the text parts (text/plain, text/html with its tags stripped), each
 * word also paired with each of the 4 words before it, the gap kept (OSB, orthogonal sparse
 * bigrams, window 5, as in CRM114); the same over the Subject; the host names and registered
 * domains of URLs; the HTML tags and attribute names used (markup: {@link FeatureHash#markup}); the
 * type and charset of every part;
 * the names of the header fields; From, Reply-To, To and Cc domains; X-Mailer and User-Agent
 * words; the relays the Received fields name and the /16 of their IP addresses; the results of
 * Authentication-Results and Received-SPF; a feature for each {@link SpamRule} found.
 *
 * <p>Not features: the number of Received fields and the Message-ID's domain. Both describe the way
 * to the receiving site more than the sender (the site's own hops; the Message-ID its relay adds to
 * mail that came without one), and mail of a source never learned was judged by where it was
 * collected (docs/filtering.md, "What the receiving site adds").
 *
 * <p>The work per message is bounded: at most {@link #MAX_TEXT} octets of decoded text,
 * {@link #MAX_WORDS} words and {@link #MAX_FEATURES} features, so a 20 MB message costs about
 * what a 100 KB one does. Thread-safe (no state between calls).
 */
public final class SpamTokenizer {

    /** Decoded text read per message, over all its text parts. */
    static final int MAX_TEXT = 64 * 1024;
    /** Words per message taking part in the OSB features. */
    static final int MAX_WORDS = 4000;
    static final int MAX_FEATURES = 16_000;
    /** A longer "word" (base64 residue, a run of CJK) becomes a token of its first letter and length. */
    static final int MAX_WORD = 24;
    /** OSB window: a word pairs with the 4 before it. */
    static final int WINDOW = 4;

    private static final MimeConfig MIME = MimeConfig.custom()
            .setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(-1).setMaxContentLen(-1)
            .setStrictParsing(false).build();
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    // RFC 8601 §2.2: "method=result"; ptype.property=value pairs are not results.
    private static final Pattern AUTH_RESULT = Pattern.compile(
            "(?<![\\w.-])(spf|dkim|dmarc|arc|iprev|auth|bimi|dkim-atps)\\s*=\\s*([a-z]+)");

    private static final long BODY = FeatureHash.seed("body");
    private static final long SUBJECT = FeatureHash.seed("subject");
    private static final long FROM_NAME = FeatureHash.seed("from-name");
    private static final long MAILER = FeatureHash.seed("mailer");
    private static final long LONG_WORD = FeatureHash.seed("long");
    private static final long HEADER = FeatureHash.seed("header");
    private static final long HTML = FeatureHash.seed("html");
    private static final long URL = FeatureHash.seed("url");
    private static final long PART = FeatureHash.seed("part");
    private static final long META = FeatureHash.seed("meta");
    private static final long AUTH = FeatureHash.seed("auth");
    private static final long LIST = FeatureHash.seed("list");

    /**
     * The field in which the SMTP server records which DNS lists named the message (its client's
     * address, the domains of its URLs), as {@code kind=zone} separated by semicolons, e.g.
     * {@code uribl=dbl.spamhaus.org; dnsbl=bl.spamcop.net}; each becomes a feature, so that the
     * message stored with the field is learned and scored with what the lists said at its arrival.
     */
    public static final String LISTS_FIELD = "X-Spam-Lists";

    /** The feature of one token of a kind ("body", "subject", "url", "auth", ...), as tests name it. */
    static long feature(String kind, String token) {
        return kind.equals("html") ? FeatureHash.markup(HTML, token) : FeatureHash.of(FeatureHash.seed(kind), token);
    }

    private final boolean headerNames;

    /** With every feature of the table in docs/filtering.md. */
    public SpamTokenizer() {
        this(true);
    }

    /**
     * @param headerNames whether the name of every top-level header field is a feature; without them a
     *     logistic model tells mail of sources it never saw far better (docs/filtering.md, "Logistic
     *     regression, measured"), where naive Bayes gains nothing
     */
    public SpamTokenizer(boolean headerNames) {
        this.headerNames = headerNames;
    }

    public long[] features(byte[] message) {
        Collector c = new Collector(headerNames);
        read(message, c);
        return c.set.toArray();
    }

    /**
     * A message's features and the registered domains of the URLs in its text parts (and HTML
     * attributes), in the order found: what a URI blocklist is asked about.
     */
    public record Analysis(long[] features, List<String> urlDomains) {
    }

    /** {@link #features} and, from the same reading, at most {@code maxUrlDomains} URL domains. */
    public Analysis analyze(byte[] message, int maxUrlDomains) {
        Collector c = new Collector(headerNames);
        c.urlDomains = new LinkedHashSet<>();
        c.maxUrlDomains = maxUrlDomains;
        read(message, c);
        return new Analysis(c.set.toArray(), List.copyOf(c.urlDomains));
    }

    /**
     * The features plus those of the {@link #LISTS_FIELD} recording {@code listings} ({@code kind=zone}):
     * what the message gives once the field is added to it.
     */
    public static long[] withListings(long[] features, List<String> listings) {
        if (listings.isEmpty()) {
            return features;
        }
        long[] all = Arrays.copyOf(features, features.length + listings.size());
        for (int i = 0; i < listings.size(); i++) {
            all[features.length + i] = listFeature(listings.get(i));
        }
        return all;
    }

    private static long listFeature(String listing) {
        return FeatureHash.of(LIST, listing.toLowerCase(Locale.ROOT));
    }

    private static void read(byte[] message, Collector c) {
        c.token(META, "size:" + (63 - Long.numberOfLeadingZeros(Math.max(1, message.length))));
        MimeTokenStream stream = new MimeTokenStream(MIME);
        stream.parse(new ByteArrayInputStream(message));
        TopHeader top = new TopHeader();
        int headersEnded = 0;
        try {
            for (EntityState state = stream.getState(); state != EntityState.T_END_OF_STREAM && !c.set.full();
                    state = stream.next()) {
                switch (state) {
                    case T_START_HEADER -> c.attachment = false;
                    case T_FIELD -> field(stream.getField(), headersEnded == 0, top, c);
                    case T_END_HEADER -> {
                        if (headersEnded++ == 0) {
                            top.finish(c);
                        }
                    }
                    case T_START_MULTIPART -> c.token(PART, "type:" + type(stream.getBodyDescriptor()));
                    case T_BODY -> body(stream, c);
                    default -> {
                    }
                }
            }
        } catch (IOException | MimeException e) {
            c.token(META, "mime-error");
        }
    }

    /** What the top-level header says, gathered until its end because fields come in any order. */
    private static final class TopHeader {
        String fromDomain;
        String replyToDomain;
        boolean messageId;

        void finish(Collector c) {
            if (!messageId) {
                c.token(META, "message-id:none");
            }
            if (fromDomain == null) {
                c.token(META, "from:none");
            }
            if (replyToDomain != null && !replyToDomain.equals(fromDomain)) {
                c.token(META, "reply-to:elsewhere");
            }
        }
    }

    private static void field(Field field, boolean topLevel, TopHeader top, Collector c) {
        String name = field.getName().toLowerCase(Locale.ROOT);
        String value = field.getBody() == null ? "" : field.getBody();
        if (name.equals("content-disposition")) {
            c.attachment = value.regionMatches(true, 0, "attachment", 0, 10);
            filename(value, c);
        }
        if (!topLevel) {
            return;
        }
        // Another filter's verdict on the way in would teach the model that filter, not spam.
        if (c.headerNames && !name.startsWith("x-spam")) {
            c.token(HEADER, name.length() > 40 ? name.substring(0, 40) : name);
        }
        switch (name) {
            case "subject" -> {
                subject(value, c);
                // The rule reads the field as written: a folded line's indentation is not a run of spaces.
                if (field.getRaw() != null && SpamRule.trackingTag(DecoderUtil.decodeEncodedWords(
                        ContentUtil.decode(field.getRaw()).substring(name.length() + 1), DecodeMonitor.SILENT))) {
                    c.rule(SpamRule.SUBJECT_TRACKING_TAG);
                }
            }
            case "from" -> {
                String decoded = DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT);
                top.fromDomain = domain(decoded);
                if (SpamRule.digitsSender(decoded)) {
                    c.rule(SpamRule.FROM_DIGITS);
                }
                domainTokens("from", top.fromDomain, c);
                int lt = decoded.indexOf('<');
                if (lt > 0) {
                    c.resetChain();
                    words(decoded.substring(0, lt), FROM_NAME, c);
                }
            }
            case "reply-to" -> {
                top.replyToDomain = domain(value);
                domainTokens("reply-to", top.replyToDomain, c);
            }
            case "message-id" -> {
                top.messageId = true;
                if (SpamRule.ratwareMessageId(value)) {
                    c.rule(SpamRule.MESSAGE_ID_RATWARE);
                }
            }
            case "to", "cc" -> {
                c.token(META, name + ":" + bucket(count(value, '@')));
                if (name.equals("to") && SpamRule.undisclosed(value)) {
                    c.rule(SpamRule.TO_UNDISCLOSED);
                }
                if (name.equals("to") && SpamRule.numericRecipient(value)) {
                    c.rule(SpamRule.TO_NUMERIC);
                }
                domainTokens(name, domain(value), c);
            }
            case "x-priority", "x-msmail-priority" -> {
                if (SpamRule.highPriority(name, value)) {
                    c.rule(SpamRule.PRIORITY_HIGH);
                }
            }
            case "x-mailer", "user-agent" -> {
                c.resetChain();
                words(value, MAILER, c);
            }
            case "received" -> {
                received(value, c);
            }
            case "authentication-results", "arc-authentication-results" -> {
                Matcher m = AUTH_RESULT.matcher(value.toLowerCase(Locale.ROOT));
                while (m.find()) {
                    c.token(AUTH, m.group(1) + "=" + m.group(2));
                }
            }
            case "x-spam-lists" -> {
                for (String listing : value.split(";")) {
                    String kindAndZone = listing.strip();
                    if (!kindAndZone.isEmpty() && kindAndZone.length() <= 80) {
                        c.set.add(listFeature(kindAndZone));
                    }
                }
            }
            case "received-spf" -> {
                String v = value.strip().toLowerCase(Locale.ROOT);
                int end = 0;
                while (end < v.length() && Character.isLetter(v.charAt(end))) {
                    end++;
                }
                c.token(AUTH, "spf=" + v.substring(0, end));
            }
            default -> {
            }
        }
    }

    /** The relay names in "from NAME (NAME [IP])" and "by NAME" of a Received field, and the IP's /16. */
    private static void received(String value, Collector c) {
        String v = value.toLowerCase(Locale.ROOT);
        for (String key : new String[] {"from ", "by "}) {
            int at = v.indexOf(key);
            if (at >= 0) {
                int end = at + key.length();
                while (end < v.length() && " \t\r\n;()[]".indexOf(v.charAt(end)) < 0) {
                    end++;
                }
                String host = v.substring(at + key.length(), end);
                if (host.indexOf('.') > 0 && !ipv4(host)) {
                    c.token(META, "received-" + key.strip() + ":" + registeredDomain(host));
                }
            }
        }
        int bracket = v.indexOf('[');
        if (bracket >= 0) {
            int close = v.indexOf(']', bracket);
            if (close > bracket) {
                String ip = v.substring(bracket + 1, close);
                int dot = ip.indexOf('.');
                int dot2 = dot < 0 ? -1 : ip.indexOf('.', dot + 1);
                if (dot2 > 0 && ipv4(ip)) {
                    c.token(META, "received-ip:" + ip.substring(0, dot2));
                }
            }
        }
    }

    private static void subject(String value, Collector c) {
        int encoded = value.indexOf("=?");
        if (encoded >= 0) {
            int q = value.indexOf('?', encoded + 2);
            if (q > encoded) {
                c.token(META, "subject-charset:" + value.substring(encoded + 2, q).toLowerCase(Locale.ROOT));
            }
        }
        String decoded = DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT);
        int letters = 0;
        int upper = 0;
        for (int i = 0; i < decoded.length(); i++) {
            char ch = decoded.charAt(i);
            if (Character.isLetter(ch)) {
                letters++;
                if (Character.isUpperCase(ch)) {
                    upper++;
                }
            }
        }
        if (letters >= 8 && upper * 10 >= letters * 6) {
            c.token(META, "subject:shouting");
        }
        if (SpamRule.money(decoded)) {
            c.rule(SpamRule.SUBJECT_MONEY);
        }
        if (SpamRule.allCaps(decoded)) {
            c.rule(SpamRule.SUBJECT_ALL_CAPS);
        }
        c.resetChain();
        words(decoded, SUBJECT, c);
    }

    private static void filename(String value, Collector c) {
        int at = value.toLowerCase(Locale.ROOT).indexOf("filename");
        if (at < 0) {
            return;
        }
        String rest = value.substring(at).replace("\"", "").strip();
        int dot = rest.lastIndexOf('.');
        if (dot >= 0 && rest.length() - dot <= 6) {
            c.token(PART, "file:" + rest.substring(dot + 1).toLowerCase(Locale.ROOT).strip());
        }
    }

    private static void body(MimeTokenStream stream, Collector c) throws IOException {
        BodyDescriptor descriptor = stream.getBodyDescriptor();
        String type = type(descriptor);
        c.token(PART, "type:" + type);
        if (!type.startsWith("text/") || c.textLeft <= 0) {
            return;
        }
        if (!c.attachment && SpamRule.base64Text(descriptor.getTransferEncoding(), descriptor.getCharset())) {
            c.rule(SpamRule.TEXT_BASE64);
        }
        byte[] bytes = stream.getDecodedInputStream().readNBytes(c.textLeft);
        c.textLeft -= bytes.length;
        String text = decode(bytes, descriptor.getCharset(), c);
        urls(text, c);
        c.resetChain();
        String visible = type.equals("text/html") ? stripHtml(text, c) : text;
        SpamRule.phrases(visible).forEach(c::rule);
        if (SpamRule.shouting(visible)) {
            c.rule(SpamRule.BODY_SHOUTING);
        }
        words(visible, BODY, c);
    }

    private static String type(BodyDescriptor descriptor) {
        return descriptor.getMimeType() == null ? "" : descriptor.getMimeType().toLowerCase(Locale.ROOT);
    }

    /** The part's text in its declared charset; undeclared 8-bit text is taken as UTF-8 if valid, else windows-1252. */
    static String decode(byte[] bytes, String charsetName, Collector c) {
        Charset charset = null;
        String name = charsetName == null ? "us-ascii" : charsetName.toLowerCase(Locale.ROOT);
        try {
            charset = Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            c.token(PART, "charset:unknown");
        }
        if (charset != null) {
            c.token(PART, "charset:" + charset.name().toLowerCase(Locale.ROOT));
        }
        if (charset == null || charset.equals(StandardCharsets.US_ASCII)) {
            if (ascii(bytes)) {
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
            c.token(PART, "charset:undeclared-8bit");
            charset = utf8(bytes) ? StandardCharsets.UTF_8 : WINDOWS_1252;
        } else if (charset.equals(StandardCharsets.ISO_8859_1)) {
            // WHATWG Encoding: what is labelled latin1 is windows-1252 in practice.
            charset = WINDOWS_1252;
        }
        return new String(bytes, charset);
    }

    private static boolean ascii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean utf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** HTML to its visible text; the tags and attribute names used become features. */
    static String stripHtml(String html, Collector c) {
        StringBuilder out = new StringBuilder(html.length());
        int n = html.length();
        int i = 0;
        while (i < n) {
            char ch = html.charAt(i);
            if (ch == '<') {
                if (html.startsWith("<!--", i)) {
                    // No space in its place: "V<!-- x -->iagra" reads as one word, as a mail reader shows it.
                    c.markup("comment");
                    int end = html.indexOf("-->", i + 4);
                    i = end < 0 ? n : end + 3;
                    continue;
                }
                int close = html.indexOf('>', i);
                if (close < 0) {
                    break;
                }
                boolean closing = i + 1 < n && html.charAt(i + 1) == '/';
                String tag = tagName(html, closing ? i + 2 : i + 1, close);
                if (!closing && !tag.isEmpty()) {
                    c.markup(tag);
                    attributes(html, i + 1 + tag.length(), close, c);
                    if (tag.equals("script") || tag.equals("style")) {
                        close = endOf(html, "</" + tag, close);
                    }
                }
                if (!inline(tag)) {
                    out.append(' ');
                }
                i = close + 1;
            } else if (ch == '&') {
                int semi = html.indexOf(';', i);
                if (semi > i && semi - i <= 10) {
                    out.append(entity(html.substring(i + 1, semi)));
                    i = semi + 1;
                } else {
                    out.append(ch);
                    i++;
                }
            } else {
                out.append(ch);
                i++;
            }
        }
        return out.toString();
    }

    /** The index of the '>' closing the first {@code tag} after {@code from}, any case; the end when none. */
    private static int endOf(String html, String tag, int from) {
        for (int i = from; i + tag.length() <= html.length(); i++) {
            if (html.regionMatches(true, i, tag, 0, tag.length())) {
                int close = html.indexOf('>', i);
                return close < 0 ? html.length() - 1 : close;
            }
        }
        return html.length() - 1;
    }

    private static String tagName(String html, int from, int to) {
        int end = from;
        while (end < to && end - from < 12 && Character.isLetterOrDigit(html.charAt(end))) {
            end++;
        }
        return html.substring(from, end).toLowerCase(Locale.ROOT);
    }

    /** Tags inside a word that a reader does not see as a break; spammers split words with them. */
    private static boolean inline(String tag) {
        return switch (tag) {
            case "b", "i", "u", "font", "span", "a", "strong", "em", "small", "big" -> true;
            default -> false;
        };
    }

    private static void attributes(String html, int from, int to, Collector c) {
        int i = from;
        while (i < to) {
            int eq = html.indexOf('=', i);
            if (eq < 0 || eq >= to) {
                return;
            }
            int end = eq;
            while (end > i && html.charAt(end - 1) == ' ') {
                end--;
            }
            int start = end;
            while (start > i && Character.isLetterOrDigit(html.charAt(start - 1))) {
                start--;
            }
            if (end > start && end - start <= 16) {
                c.markup("attr:" + html.substring(start, end).toLowerCase(Locale.ROOT));
            }
            i = eq + 1;
        }
    }

    private static String entity(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos" -> "'";
            default -> {
                if (name.startsWith("#")) {
                    try {
                        int code = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X')
                                ? Integer.parseInt(name.substring(2), 16) : Integer.parseInt(name.substring(1));
                        yield Character.isValidCodePoint(code) ? new String(Character.toChars(code)) : " ";
                    } catch (NumberFormatException e) {
                        yield " ";
                    }
                }
                yield " ";
            }
        };
    }

    /** The host names and registered domains of the URLs in the text (and in HTML attributes). */
    static void urls(String text, Collector c) {
        int from = 0;
        int count = 0;
        int found;
        while (count < 100 && (found = text.indexOf("://", from)) >= 0) {
            int start = found + 3;
            int end = start;
            while (end < text.length() && end - start < 256 && "/?#\"'<>()[] \t\r\n\\".indexOf(text.charAt(end)) < 0) {
                end++;
            }
            from = end;
            String host = text.substring(start, end);
            if (host.indexOf('@') >= 0 || host.indexOf('%') >= 0) {
                c.rule(SpamRule.URL_DISGUISED);
            }
            host = host.substring(host.lastIndexOf('@') + 1);
            int colon = host.indexOf(':');
            if (colon >= 0) {
                host = host.substring(0, colon);
            }
            host = host.toLowerCase(Locale.ROOT);
            while (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            if (host.indexOf('.') < 0) {
                continue;
            }
            count++;
            if (ipv4(host)) {
                c.token(URL, "ip");
                c.rule(SpamRule.URL_NUMERIC_HOST);
            } else {
                String domain = registeredDomain(host);
                c.token(URL, "host:" + host);
                c.token(URL, "domain:" + domain);
                if (c.urlDomains != null && c.urlDomains.size() < c.maxUrlDomains) {
                    c.urlDomains.add(domain);
                }
            }
        }
        c.token(URL, "count:" + bucket(count));
    }

    private static boolean ipv4(String host) {
        for (int i = 0; i < host.length(); i++) {
            char ch = host.charAt(i);
            if (ch != '.' && (ch < '0' || ch > '9')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The domain a name was registered under, without the Public Suffix List: the last two labels,
     * or three under a two-letter country code whose second level is short ({@code example.co.uk}).
     */
    static String registeredDomain(String host) {
        int last = host.lastIndexOf('.');
        if (last <= 0) {
            return host;
        }
        int second = host.lastIndexOf('.', last - 1);
        if (second < 0) {
            return host;
        }
        boolean countryCode = host.length() - last - 1 == 2;
        if (countryCode && last - second - 1 <= 3) {
            int third = host.lastIndexOf('.', second - 1);
            return host.substring(third + 1);
        }
        return host.substring(second + 1);
    }

    /** The domain of the (last) address in a header field, or null. */
    static String domain(String value) {
        int at = value.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        int end = at + 1;
        while (end < value.length() && ">) \t\r\n\"',;".indexOf(value.charAt(end)) < 0) {
            end++;
        }
        String domain = value.substring(at + 1, end).toLowerCase(Locale.ROOT);
        return domain.isEmpty() ? null : domain;
    }

    private static void domainTokens(String field, String domain, Collector c) {
        if (domain == null) {
            return;
        }
        c.token(META, field + ":" + domain);
        c.token(META, field + ":domain:" + registeredDomain(domain));
    }

    private static int count(String value, char ch) {
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == ch) {
                n++;
            }
        }
        return n;
    }

    /** 0, 1, 2, 3-4, 5-8, ...: the power of two above. */
    private static int bucket(int n) {
        return n <= 2 ? n : 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    /** The words of a text, lowercased; each one a feature and, with the 4 before it, 4 OSB features. */
    static void words(String text, long seed, Collector c) {
        int n = text.length();
        int i = 0;
        while (i < n && c.words < MAX_WORDS && !c.set.full()) {
            while (i < n && !wordChar(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && wordChar(text.charAt(i))) {
                i++;
            }
            int end = i;
            while (start < end && trimmed(text.charAt(start))) {
                start++;
            }
            while (end > start && trimmed(text.charAt(end - 1))) {
                end--;
            }
            int length = end - start;
            if (length < 2) {
                continue;
            }
            long h;
            if (length > MAX_WORD) {
                h = FeatureHash.step(FeatureHash.step(LONG_WORD, Character.toLowerCase(text.charAt(start))),
                        (char) ('0' + Math.min(length / 8, 9)));
            } else {
                h = seed;
                for (int k = start; k < end; k++) {
                    h = FeatureHash.step(h, Character.toLowerCase(text.charAt(k)));
                }
            }
            c.word(FeatureHash.mix(h));
        }
    }

    private static boolean wordChar(char ch) {
        return Character.isLetterOrDigit(ch) || "$'-_.!%@,*".indexOf(ch) >= 0;
    }

    private static boolean trimmed(char ch) {
        return "'-_.,*".indexOf(ch) >= 0;
    }

    /** The features of the message being read, the OSB window, and what is left of the budget. */
    static final class Collector {
        final FeatureSet set = new FeatureSet(MAX_FEATURES);
        final boolean headerNames;
        /** Where the registered domains of URLs go; null when nobody asks. */
        Set<String> urlDomains;
        int maxUrlDomains;
        int textLeft = MAX_TEXT;
        int words;
        /** Whether the part being read is an attachment ({@code Content-Disposition: attachment}). */
        boolean attachment;
        private final long[] recent = new long[WINDOW];
        private int inWindow;

        Collector(boolean headerNames) {
            this.headerNames = headerNames;
        }

        /** An HTML tag or attribute name: markup ({@link FeatureHash#markup}). */
        void markup(String token) {
            set.add(FeatureHash.markup(HTML, token));
        }

        void rule(SpamRule rule) {
            set.add(rule.feature());
        }

        void token(long seed, String token) {
            set.add(FeatureHash.of(seed, token));
        }

        void word(long hash) {
            words++;
            set.add(hash);
            for (int k = 0; k < inWindow; k++) {
                set.add(FeatureHash.pair(recent[k], hash, k + 1));
            }
            System.arraycopy(recent, 0, recent, 1, WINDOW - 1);
            recent[0] = hash;
            inWindow = Math.min(inWindow + 1, WINDOW);
        }

        void resetChain() {
            inWindow = 0;
        }
    }
}
