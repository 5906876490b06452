package io.yubin.filter.spam;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Hand-written signs of spam, as SpamAssassin's rules are: each one found in a message adds its
 * weight to the log-odds of the statistical score ({@link SpamClassifier}). They are what a model
 * learned from one period cannot know about the next one's campaigns — bulk mailers' templates,
 * tracking tags, sales promises, talk of bulk mail, money schemes, calls to click, numeric and
 * disguised links — and each is found in almost no ham
 * (docs/filtering.md, "Rules": measured on the development set, chosen before the independent run).
 *
 * <p>The tokenizer finds them while it reads the message and adds each as a feature of its own
 * ({@link #feature}), so that every path that scores features (SMTP, delivery, training, the harness)
 * sees them; the classifier takes them out of the statistical clues and adds their weights.
 */
public enum SpamRule {
    /**
     * A Message-ID in Outlook Express's form, {@code <hhhhhhhhhhhh$hhhhhhhh$hhhhhhhh@host>}, that Outlook
     * Express cannot have written: its first part is 4 hex digits and then the high half of the sending
     * time as a Windows FILETIME, {@code 01c…} from 1998 to 2014 and {@code 01d…} to the 2030s
     * ({@code <001a01c24a8d$462eedc0$1506fea9@pc>}); bulk mailers imitate the form with random digits or
     * their template's zeros ({@code <0000a1b2c3d4$0000e5f6$00001a2b@host>}).
     */
    MESSAGE_ID_RATWARE(2.0),
    /** A Subject that ends in a run of 3 spaces or more and a token: a per-recipient tag ({@code "Hi    FGTPRIL"}). */
    SUBJECT_TRACKING_TAG(2.0),
    /** A Subject of 10 letters or more in capitals only (a list's {@code [tag]} before it aside). */
    SUBJECT_ALL_CAPS(1.5),
    /** A Subject naming a sum of dollars. */
    SUBJECT_MONEY(1.0),
    /** A sender's address of letters and then three digits or more ({@code hugh5546x73@}). */
    FROM_DIGITS(1.0),
    /** Sent to "undisclosed recipients". */
    TO_UNDISCLOSED(1.5),
    /** Sent to an address whose local part is digits only ({@code "2591@isp.net" <2591@isp.net>}): a made-up list. */
    TO_NUMERIC(1.0),
    /**
     * A sales promise or call to buy in the text: risk-free, no obligation, act now, order now, call
     * toll-free, 100% guaranteed, limited time, while supplies last.
     */
    SALES_PROMISE(1.5),
    /**
     * A text that shouts: of its words of 4 letters or more (40 at least), 15 % or more are in capitals
     * only ({@code UNCOMMON EXOTIC PLEASURE BOTANICALS!}).
     */
    BODY_SHOUTING(1.5),
    /**
     * The text talks about itself as bulk mail: "this is not spam", "you are receiving this e-mail
     * because", "bulk e-mail", "opt-in list", "remove in the subject", "dear friend".
     */
    BULK_MAIL_TALK(1.5),
    /** A money scheme's words: bad credit, refinancing, working from home, next of kin, {@code $$$}, ... */
    MONEY_SCHEME(1.5),
    /** A call to click: "click below", "click on the link", "click here to order / unsubscribe / ...". */
    CLICK_CALL(1.5),
    /** Sent at the highest priority ({@code X-Priority: 1}, {@code X-MSMail-Priority: High}). */
    PRIORITY_HIGH(1.5),
    /**
     * A message text (not an attachment) in a Latin charset sent in base64: text that 7 bits or
     * quoted-printable carry, encoded so that its words do not show.
     */
    TEXT_BASE64(1.0),
    /** A link to a numeric IPv4 address instead of a name. */
    URL_NUMERIC_HOST(1.5),
    /** A link whose host part is disguised by a user name ({@code http://bank.com@evil}) or %-escapes. */
    URL_DISGUISED(1.0);

    /** The largest part of the log-odds the statistical score alone can give, either way. */
    static final double STATISTICS_LIMIT = 4.0;
    static final int SHOUTING_MIN_WORDS = 40;

    private static final Pattern OUTLOOK_EXPRESS_ID = Pattern.compile(
            "<\\s*[0-9a-f]{12}\\$[0-9a-f]{8}\\$[0-9a-f]{8}@", Pattern.CASE_INSENSITIVE);
    private static final Pattern OUTLOOK_EXPRESS_TIME = Pattern.compile("<\\s*[0-9a-f]{4}01[cd]", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMERIC_LOCAL_PART = Pattern.compile("(^|[\\s<\"',;:])\\d+@");
    private static final Set<String> LATIN_CHARSETS = Set.of("us-ascii", "ascii", "iso-8859-1", "iso-8859-15",
            "windows-1252", "latin1");
    private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+");
    private static final Pattern MONEY = Pattern.compile("\\$\\s?\\d");
    private static final Pattern DIGITS_SENDER = Pattern.compile("[a-z]+\\d{3,}[a-z]*\\d*@", Pattern.CASE_INSENSITIVE);
    /**
     * The phrases of the rules found in the visible text, lowercase, each found at the start of a word
     * in any case; a space stands for one white-space character, a {@code ~} for one white-space
     * character or a hyphen.
     */
    private static final Map<SpamRule, List<String>> PHRASES = Map.of(
            SALES_PROMISE, List.of("risk~free", "no obligation", "act now", "limited time", "100% free",
                    "100% guaranteed", "100% satisfaction", "order now", "call now", "call today", "call toll~free",
                    "free gift", "while supplies last"),
            BULK_MAIL_TALK, List.of("this is not spam", "this email is not spam", "this e-mail is not spam",
                    "this message is not spam", "not unsolicited", "not an unsolicited", "not a unsolicited",
                    "you have been selected", "you have been specially selected", "you were selected",
                    "you are receiving this email because", "you are receiving this e-mail because",
                    "you are receiving this message because", "bulk email", "bulk e-mail", "mass email",
                    "mass e-mail", "million email", "million e-mail", "opt~in list", "optin list", "double opt~in",
                    "remove in the subject", "remove\" in the subject", "remove' in the subject",
                    "unsubscribe in the subject", "dear friend", "one time mail", "one~time mailing"),
            MONEY_SCHEME, List.of("no credit check", "bad credit", "credit card debt", "consolidate your debt",
                    "debt consolidation", "mortgage rate", "refinanc", "lose weight", "weight loss", "work from home",
                    "working from home", "home~based business", "be your own boss", "extra income",
                    "financial freedom", "multi~level marketing", "multilevel marketing", "network marketing",
                    "next of kin", "strictly confidential", "business proposal", "$$$", "satisfaction guaranteed",
                    "money~back guarantee"),
            CLICK_CALL, List.of("click below", "click the link below", "click on the link", "click here to be removed",
                    "click here to unsubscribe", "click here to order", "click here to receive", "click here to get"));
    /** By the phrase's first character (all are ASCII), the phrases and their rules. */
    private static final Phrase[][] PHRASES_BY_FIRST = new Phrase[128][];

    private record Phrase(String text, SpamRule rule) {}

    static {
        Map<Character, List<Phrase>> byFirst = new HashMap<>();
        PHRASES.forEach((rule, phrases) -> phrases.forEach(
                phrase -> byFirst.computeIfAbsent(phrase.charAt(0), k -> new ArrayList<>()).add(new Phrase(phrase, rule))));
        byFirst.forEach((first, phrases) -> PHRASES_BY_FIRST[first] = phrases.toArray(Phrase[]::new));
    }

    private static final SpamRule[] ALL = values();
    private static final FeatureMap BY_FEATURE = new FeatureMap(64);

    static {
        for (SpamRule rule : ALL) {
            BY_FEATURE.put(rule.feature, rule.ordinal() + 1);
        }
    }

    private final double weight;
    private final long feature;

    SpamRule(double weight) {
        this.weight = weight;
        this.feature = FeatureHash.of(SeedHolder.SEED, name().toLowerCase(Locale.ROOT));
    }

    /** What the rule adds to the log-odds of the score when it is found. */
    public double weight() {
        return weight;
    }

    /** The feature standing for the rule in a message's features. */
    public long feature() {
        return feature;
    }

    /** The rules among a message's features. */
    public static Set<SpamRule> found(long[] features) {
        Set<SpamRule> rules = EnumSet.noneOf(SpamRule.class);
        for (long feature : features) {
            SpamRule rule = of(feature);
            if (rule != null) {
                rules.add(rule);
            }
        }
        return rules;
    }

    /** The rule a feature stands for, or null for any other feature. */
    static SpamRule of(long feature) {
        long index = BY_FEATURE.get(feature);
        return index == 0 ? null : ALL[(int) index - 1];
    }

    static boolean ratwareMessageId(String value) {
        String v = value.length() > 256 ? value.substring(0, 256) : value;
        return OUTLOOK_EXPRESS_ID.matcher(v).find() && !OUTLOOK_EXPRESS_TIME.matcher(v).find();
    }

    /**
     * Whether the decoded Subject, after any leading {@code [tag]}s of a list, holds 10 letters or more
     * that have a case and all in capitals (letters without case, as of Chinese or Japanese, do not count).
     */
    static boolean allCaps(String subject) {
        int i = 0;
        int n = subject.length();
        while (true) {
            while (i < n && Character.isWhitespace(subject.charAt(i))) {
                i++;
            }
            int close = i < n && subject.charAt(i) == '[' ? subject.indexOf(']', i) : -1;
            if (close < 0) {
                break;
            }
            i = close + 1;
        }
        int upper = 0;
        for (; i < n; i++) {
            char ch = subject.charAt(i);
            if (Character.isLowerCase(ch)) {
                return false;
            }
            if (Character.isUpperCase(ch)) {
                upper++;
            }
        }
        return upper >= 10;
    }

    /** Whether a text part's transfer encoding and charset (null: us-ascii) are base64 and a Latin one. */
    static boolean base64Text(String transferEncoding, String charset) {
        return "base64".equalsIgnoreCase(transferEncoding)
                && LATIN_CHARSETS.contains(charset == null ? "us-ascii" : charset.toLowerCase(Locale.ROOT));
    }

    /** Read on the first 1,000 characters of To: a made-up recipient is among the first. */
    static boolean numericRecipient(String to) {
        return NUMERIC_LOCAL_PART.matcher(to.length() > 1000 ? to.substring(0, 1000) : to).find();
    }

    /** A folded line break counts as one space: a long Subject folded by its mailer has no tag. */
    static boolean trackingTag(String subject) {
        String s = FOLD.matcher(subject).replaceAll(" ");
        int end = s.length();
        while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        int token = end;
        while (token > 0 && !Character.isWhitespace(s.charAt(token - 1))) {
            token--;
        }
        int spaces = 0;
        while (token - spaces > 0 && Character.isWhitespace(s.charAt(token - spaces - 1))) {
            spaces++;
        }
        return token < end && spaces >= 3;
    }

    /**
     * Whether a text shouts: of its words of 4 letters or more, letters with a case only, at least
     * {@link #SHOUTING_MIN_WORDS}, 15 % or more have no small letter. Letters without case (Chinese,
     * Japanese) and identifiers with digits or {@code _} make no word here.
     */
    static boolean shouting(String text) {
        int words = 0;
        int capitals = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !wordPart(text.charAt(i))) {
                i++;
            }
            int length = 0;
            boolean lower = false;
            boolean lettersOnly = true;
            while (i < n && wordPart(text.charAt(i))) {
                char ch = text.charAt(i++);
                length++;
                if (Character.isLowerCase(ch)) {
                    lower = true;
                } else if (!Character.isUpperCase(ch)) {
                    lettersOnly = false;
                }
            }
            if (length >= 4 && lettersOnly) {
                words++;
                if (!lower) {
                    capitals++;
                }
            }
        }
        return words >= SHOUTING_MIN_WORDS && capitals * 100 >= words * 15;
    }

    /** Letters, digits and {@code _}: an identifier such as {@code ALSA_BUILD} or {@code T_HTML_2} is no word of capitals. */
    private static boolean wordPart(char ch) {
        return Character.isLetterOrDigit(ch) || ch == '_';
    }

    static boolean money(String subject) {
        return MONEY.matcher(subject).find();
    }

    /** Read on the (at most 64) characters before the last {@code @}: a local part is no longer. */
    static boolean digitsSender(String from) {
        int at = from.lastIndexOf('@');
        return at > 0 && DIGITS_SENDER.matcher(from.substring(Math.max(0, at - 64), at + 1)).find();
    }

    static boolean undisclosed(String to) {
        return to.toLowerCase(Locale.ROOT).contains("undisclosed");
    }

    /**
     * Whether a priority field asks for the highest: {@code X-Priority: 1 (Highest)} or
     * {@code X-MSMail-Priority: High}.
     */
    static boolean highPriority(String name, String value) {
        String v = value.strip();
        return name.equals("x-priority") ? v.startsWith("1") && (v.length() == 1 || !Character.isDigit(v.charAt(1)))
                : name.equals("x-msmail-priority") && v.regionMatches(true, 0, "high", 0, 4);
    }

    /**
     * The rules whose phrases the text holds, each at the start of a word, in any case. One pass over
     * the text with a look at the phrases that start with each word's first character: a regular
     * expression of the alternatives cost a quarter of the tokenizer's time.
     */
    static Set<SpamRule> phrases(String text) {
        Set<SpamRule> found = EnumSet.noneOf(SpamRule.class);
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            char lower = ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch;
            Phrase[] candidates = lower < 128 ? PHRASES_BY_FIRST[lower] : null;
            if (candidates != null && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))) {
                for (Phrase phrase : candidates) {
                    if (!found.contains(phrase.rule()) && phraseAt(text, i, phrase.text())) {
                        found.add(phrase.rule());
                    }
                }
            }
        }
        return found;
    }

    private static boolean phraseAt(String text, int at, String phrase) {
        if (at + phrase.length() > text.length()) {
            return false;
        }
        for (int k = 0; k < phrase.length(); k++) {
            char expected = phrase.charAt(k);
            char ch = text.charAt(at + k);
            boolean same = switch (expected) {
                case ' ' -> Character.isWhitespace(ch);
                case '~' -> Character.isWhitespace(ch) || ch == '-';
                default -> Character.toLowerCase(ch) == expected;
            };
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /** Enum constants cannot read their class's static fields while they are built. */
    private static final class SeedHolder {
        static final long SEED = FeatureHash.seed("rule");
    }
}
