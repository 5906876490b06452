package io.yubin.imap.search;

import static io.yubin.imap.search.FakeMessage.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.imap.SequenceSet;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class SearchEvaluatorPropertiesTest {

    private static final List<String> WORDS = List.of("alpha", "beta", "Gamma");

    @Property
    void reorderingByCostKeepsTheMeaningOfTheProgram(@ForAll long seed) {
        Random random = new Random(seed);
        List<MessageView> messages = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            messages.add(msg(i).uid(i * 10L).size(random.nextInt(3) * 100L)
                    .flags(random.nextBoolean() ? new String[] {"\\Seen"} : new String[0])
                    .subject(WORDS.get(random.nextInt(3))).body(WORDS.get(random.nextInt(3))));
        }
        SearchKey key = randomKey(random, 4);
        SearchEvaluator evaluator = new SearchEvaluator(8, 80, List.of(20L, 50L), ZoneOffset.UTC);
        for (MessageView m : messages) {
            assertThat(evaluator.matches(key, m)).as("%s on %s", key, m).isEqualTo(reference(key, m));
        }
    }

    private static SearchKey randomKey(Random random, int depth) {
        int kind = random.nextInt(depth <= 0 ? 6 : 9);
        return switch (kind) {
            case 0 -> new SearchKey.Flag("\\Seen", random.nextBoolean());
            case 1 -> new SearchKey.Size(random.nextBoolean(), random.nextInt(3) * 100L);
            case 2 -> new SearchKey.Header("SUBJECT", WORDS.get(random.nextInt(3)).toUpperCase(Locale.ROOT));
            case 3 -> new SearchKey.Body(WORDS.get(random.nextInt(3)));
            case 4 -> new SearchKey.Sequence(SequenceSet.parse(random.nextBoolean() ? "2:4" : "$"), random.nextBoolean());
            case 5 -> new SearchKey.Text(WORDS.get(random.nextInt(3)));
            case 6 -> new SearchKey.Not(randomKey(random, depth - 1));
            case 7 -> new SearchKey.Or(randomKey(random, depth - 1), randomKey(random, depth - 1));
            default -> {
                List<SearchKey> keys = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    keys.add(randomKey(random, depth - 1));
                }
                yield new SearchKey.And(keys);
            }
        };
    }

    // The program read literally, left to right, for the keys randomKey makes.
    private static boolean reference(SearchKey key, MessageView m) {
        if (key instanceof SearchKey.Flag f) {
            return m.flags().contains(f.flag()) == f.set();
        } else if (key instanceof SearchKey.Size s) {
            return s.larger() ? m.size() > s.octets() : m.size() < s.octets();
        } else if (key instanceof SearchKey.Header h) {
            return m.header(h.field()).stream().anyMatch(v -> v.toLowerCase(Locale.ROOT)
                    .contains(h.value().toLowerCase(Locale.ROOT)));
        } else if (key instanceof SearchKey.Body b) {
            return m.bodyText().toLowerCase(Locale.ROOT).contains(b.text().toLowerCase(Locale.ROOT));
        } else if (key instanceof SearchKey.Text t) {
            String n = t.text().toLowerCase(Locale.ROOT);
            return m.headerText().toLowerCase(Locale.ROOT).contains(n) || m.bodyText().toLowerCase(Locale.ROOT).contains(n);
        } else if (key instanceof SearchKey.Sequence s) {
            if (s.set().saved()) {
                return m.uid() == 20 || m.uid() == 50;
            }
            long n = s.uid() ? m.uid() : m.msn();
            return n >= 2 && n <= 4;
        } else if (key instanceof SearchKey.Not n) {
            return !reference(n.key(), m);
        } else if (key instanceof SearchKey.Or o) {
            return reference(o.left(), m) || reference(o.right(), m);
        } else if (key instanceof SearchKey.And a) {
            return a.keys().stream().allMatch(k -> reference(k, m));
        }
        throw new IllegalArgumentException(key.toString());
    }
}
