package io.yubin.filter.spam;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Scores a message from what the models learned, as SpamBayes and bogofilter do: each feature's
 * spam probability f(w) after Robinson (the raw ratio shrunk towards x with strength s while the
 * feature is rare), then the strongest of them combined with Fisher's chi-square method into
 * evidence for spam S and for ham H, and the statistical score (1 + S - H) / 2. Features of exactly
 * the same counts, seen often enough, take part once: they are one run of text; of the markup
 * features (HTML tag and attribute names) the 10 strongest at most take part. The hand-written
 * {@link SpamRule}s found in the message then add their weights to its log-odds.
 *
 * <p>A user's model takes precedence for the features it has seen (once it learned both spam and
 * ham); the global model answers for the others. Thread-safe when the models are not being written.
 */
public final class SpamClassifier {

    /**
     * @param strength s, the weight of the prior x against a feature's own counts (SpamBayes: 0.45)
     * @param prior x, the probability of a feature seen too rarely to tell (0.5)
     * @param minimumStrength features with |f(w) - 0.5| below this are left out as noise
     * @param maxClues at most this many features, the strongest, take part (SpamBayes: 150)
     */
    public record Settings(double strength, double prior, double minimumStrength, int maxClues) {
        /**
         * Chosen on the development set (docs/filtering.md, "Clear clues only"): with OSB, a message
         * has thousands of features and 150 clues left too many spam at 0.5 (evidence both ways
         * saturated), so 500; features within 0.25 of 0.5 are left out, as bogofilter's min_dev
         * does, because dozens of mildly spammy words (a shop's newsletter) would otherwise add up
         * under Fisher's method to the certainty no single one of them gives; s = 0.5 keeps a feature
         * seen once in spam only (f = 0.83) among the clear ones.
         */
        public static final Settings DEFAULTS = new Settings(0.5, 0.5, 0.25, 500);
    }

    /** The histogram over |f(w) - 0.5| that picks the strongest clues in linear time. */
    private static final int BINS = 1000;
    /**
     * Features seen in fewer messages than this are never taken as one text with others of the same
     * counts: a rare feature's counts (1 spam, 0 ham) are shared by many unrelated words.
     */
    static final int SAME_TEXT_MIN = 5;
    /**
     * At most this many of a message's markup features (HTML tag and attribute names) take part, the
     * strongest: dozens of them say one thing, how the message is laid out, and learned from ham
     * that is mostly plain text each looks like spam (docs/filtering.md, "Markup as a few clues").
     */
    static final int MAX_MARKUP_CLUES = 10;
    private static final double[] NO_MARKUP = {};

    private final SpamTokenizer tokenizer = new SpamTokenizer();
    private final Settings settings;

    public SpamClassifier() {
        this(Settings.DEFAULTS);
    }

    public SpamClassifier(Settings settings) {
        this.settings = settings;
    }

    public long[] features(byte[] message) {
        return tokenizer.features(message);
    }

    /** The features and, from the same reading, at most {@code maxUrlDomains} URL domains. */
    public SpamTokenizer.Analysis analyze(byte[] message, int maxUrlDomains) {
        return tokenizer.analyze(message, maxUrlDomains);
    }

    /** Learns a message; the caller learns each message once ({@link MessageFingerprint}). */
    public void learn(byte[] message, boolean spam, SpamModel model) {
        model.learn(features(message), spam);
    }

    public SpamVerdict classify(byte[] message, SpamModel global) {
        return classify(features(message), global, null);
    }

    public SpamVerdict classify(byte[] message, SpamModel global, SpamModel user) {
        return classify(features(message), global, user);
    }

    /** @param user the recipient's own model, or null */
    public SpamVerdict classify(long[] features, SpamModel global, SpamModel user) {
        boolean useUser = user != null && user.spamMessages() > 0 && user.hamMessages() > 0;
        double[] probabilities = new double[features.length];
        int[] histogram = new int[BINS + 1];
        int candidates = 0;
        FeatureSet countsSeen = new FeatureSet(Integer.MAX_VALUE);
        Set<SpamRule> rules = EnumSet.noneOf(SpamRule.class);
        double[] markup = NO_MARKUP;
        for (long feature : features) {
            SpamRule rule = SpamRule.of(feature);
            if (rule != null) {
                rules.add(rule);
                continue;
            }
            double f = Double.NaN;
            long counts = 0;
            if (useUser) {
                counts = user.counts(feature);
                f = probability(counts, user);
            }
            if (Double.isNaN(f)) {
                counts = global.counts(feature);
                f = probability(counts, global);
                // The global model's counts apart from the user's.
                counts = ~counts;
            }
            if (Double.isNaN(f) || Math.abs(f - 0.5) < settings.minimumStrength() || repeated(counts, countsSeen)) {
                continue;
            }
            if (FeatureHash.isMarkup(feature)) {
                markup = strongest(markup, f);
                continue;
            }
            probabilities[candidates++] = f;
            histogram[bin(f)]++;
        }
        for (double f : markup) {
            if (!Double.isNaN(f)) {
                probabilities[candidates++] = f;
                histogram[bin(f)]++;
            }
        }
        // The bin where, strongest first, maxClues are reached (that bin is taken in part); -1: all are taken.
        int cutoff = -1;
        int above = 0;
        for (int b = BINS; b >= 0; b--) {
            if (above + histogram[b] >= settings.maxClues()) {
                cutoff = b;
                break;
            }
            above += histogram[b];
        }
        int fromCutoff = settings.maxClues() - above;
        double lnHam = 0;
        double lnSpam = 0;
        int clues = 0;
        for (int j = 0; j < candidates; j++) {
            double f = probabilities[j];
            int b = bin(f);
            if (b < cutoff || b == cutoff && fromCutoff-- <= 0) {
                continue;
            }
            lnHam += Math.log(f);
            lnSpam += Math.log(1 - f);
            clues++;
        }
        double statistics = 0.5;
        if (clues > 0) {
            double spamEvidence = 1 - chiSquareQ(-2 * lnSpam, 2 * clues);
            double hamEvidence = 1 - chiSquareQ(-2 * lnHam, 2 * clues);
            statistics = (1 + spamEvidence - hamEvidence) / 2;
        }
        return new SpamVerdict(withRules(statistics, rules), clues, rules);
    }

    /**
     * The statistical score with the rules' weights added to its log-odds, which are first held within
     * ±{@link SpamRule#STATISTICS_LIMIT}: Fisher's score saturates (ham of a source never learned
     * reaches 0.999 about once in a hundred), and a saturated score would outweigh any rule. So the
     * statistics alone give at most 0.982; more needs a rule as well (docs/filtering.md, "Rules").
     */
    static double withRules(double statistics, Set<SpamRule> rules) {
        double p = Math.min(Math.max(statistics, 1e-12), 1 - 1e-12);
        double logOdds = Math.log(p / (1 - p));
        logOdds = Math.min(Math.max(logOdds, -SpamRule.STATISTICS_LIMIT), SpamRule.STATISTICS_LIMIT);
        for (SpamRule rule : rules) {
            logOdds += rule.weight();
        }
        return 1 / (1 + Math.exp(-logOdds));
    }

    /**
     * Whether a feature with exactly these counts, seen in {@link #SAME_TEXT_MIN} messages or more, took
     * part already: such features are almost always one run of text (a mailing list's footer, a
     * newsletter's template), whose dozens of OSB pairs would otherwise count as dozens of independent
     * clues and outweigh everything the message itself says (docs/filtering.md, "One clue per run of text").
     */
    private static boolean repeated(long counts, FeatureSet seen) {
        long packed = counts < 0 ? ~counts : counts;
        if (SpamModel.spam(packed) + SpamModel.ham(packed) < SAME_TEXT_MIN) {
            return false;
        }
        int before = seen.size();
        seen.add(FeatureHash.mix(counts));
        return seen.size() == before;
    }

    /**
     * The strongest {@link #MAX_MARKUP_CLUES} (|f - 0.5|) of {@code kept} and {@code f}; {@code kept}
     * grows to that size, NaN where empty, and is returned (the message's own array).
     */
    private static double[] strongest(double[] kept, double f) {
        if (kept.length == 0) {
            kept = new double[MAX_MARKUP_CLUES];
            Arrays.fill(kept, Double.NaN);
        }
        int weakest = 0;
        for (int i = 0; i < kept.length; i++) {
            if (Double.isNaN(kept[i])) {
                kept[i] = f;
                return kept;
            }
            if (Math.abs(kept[i] - 0.5) < Math.abs(kept[weakest] - 0.5)) {
                weakest = i;
            }
        }
        if (Math.abs(f - 0.5) > Math.abs(kept[weakest] - 0.5)) {
            kept[weakest] = f;
        }
        return kept;
    }

    /** Robinson's f(w), or NaN when the model has not seen the feature. */
    private double probability(long counts, SpamModel model) {
        if (counts == 0) {
            return Double.NaN;
        }
        int spam = SpamModel.spam(counts);
        int ham = SpamModel.ham(counts);
        double spamRatio = model.spamMessages() == 0 ? 0 : Math.min(1, (double) spam / model.spamMessages());
        double hamRatio = model.hamMessages() == 0 ? 0 : Math.min(1, (double) ham / model.hamMessages());
        if (spamRatio + hamRatio == 0) {
            return Double.NaN;
        }
        double p = spamRatio / (spamRatio + hamRatio);
        int n = spam + ham;
        return (settings.strength() * settings.prior() + n * p) / (settings.strength() + n);
    }

    private static int bin(double f) {
        return (int) (Math.abs(f - 0.5) * 2 * BINS);
    }

    /** P(chi² ≥ x2) with v (even) degrees of freedom, by the series of the Poisson tail. */
    static double chiSquareQ(double x2, int v) {
        double m = x2 / 2;
        double term = Math.exp(-m);
        double sum = term;
        for (int i = 1; i < v / 2; i++) {
            term *= m / i;
            sum += term;
        }
        return Math.min(sum, 1.0);
    }
}
