package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.filter.spam.rspamd.RspamdSpamEngine;
import io.yubin.filter.spam.spamd.SpamdSpamEngine;
import io.yubin.testing.spamengines.RspamdServer;
import io.yubin.testing.spamengines.SpamdServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SpamAssassin's spamd and rspamd trained and tested through the harness, each a real daemon
 * (testing/spam-engines). A few messages do not make their Bayes speak (both want 200 of each
 * class), so the spam tested is GTUBE, which both call spam on their rules; that the learning
 * reached them is checked apart.
 */
class SpamEngineServersTest {

    /** GTUBE, the generic test for unsolicited bulk email, put together so that no file here holds it whole. */
    private static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*" + "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private static byte[] ham(int i) {
        return ("""
                Date: Mon, 2 Sep 2024 10:%02d:00 +0200
                From: Alice Example <alice@example.org>
                To: Bob Example <bob@example.net>
                Subject: minutes of meeting %d
                Message-ID: <minutes-%d@example.org>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=us-ascii

                Hello Bob,

                the minutes of this morning's meeting: we agreed to move the release to Thursday,
                and Carol will send the notes on the migration before then.

                Alice
                """).formatted(i, i, i).replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Spam to learn: what a Bayes learns, but no rule's certainty (rspamd learns nothing its rules force). */
    private static byte[] offer(int i) {
        return ("""
                Date: Mon, 2 Sep 2024 11:%02d:00 +0200
                From: Offers <offers@example.com>
                To: bob@example.net
                Subject: cheap offer %d
                Message-ID: <offer-%d@example.com>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=us-ascii

                Cheap pills, casino bonus and a free prize: click now, limited offer number %d.
                """).formatted(i, i, i, i).replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Spam to test: GTUBE, which both call spam on their rules alone. */
    private static byte[] gtube(int i) {
        return ("""
                Date: Mon, 2 Sep 2024 12:%02d:00 +0200
                From: Offers <offers@example.com>
                To: bob@example.net
                Subject: offer %d
                Message-ID: <gtube-%d@example.com>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=us-ascii

                %s
                """).formatted(i, i, i, GTUBE).replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static List<byte[]> messages(IntFunction<byte[]> message, int from, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(message.apply(i));
        }
        return out;
    }

    private static SpamMetrics trainAndTest(SpamEngine engine) {
        return new SpamEvaluation(new SpamClassifier(), 2, 0)
                .trainAndTest(engine, messages(SpamEngineServersTest::ham, 0, 3),
                        messages(SpamEngineServersTest::offer, 0, 3), messages(SpamEngineServersTest::ham, 10, 2),
                        messages(SpamEngineServersTest::gtube, 10, 2));
    }

    @Test
    void spamdLearnsThroughTellAndCallsGtubeSpamAndTheMinutesHam(@TempDir Path dir) throws Exception {
        try (SpamdServer spamd = new SpamdServer(dir)) {
            SpamMetrics metrics = trainAndTest(new SpamdSpamEngine(spamd.address()));

            assertThat(metrics.spamAsSpam()).as(spamd.log()).isEqualTo(2);
            assertThat(metrics.hamAsHam()).as(spamd.log()).isEqualTo(2);
            assertThat(metrics.decision()).startsWith("spamd says Spam: True");
            // spamd logs each TELL it acted on: "Tell: Setting local for ..."
            assertThat(Files.readAllLines(spamd.logFile()).stream().filter(l -> l.contains("Tell: Setting local")))
                    .as(spamd.log()).hasSize(6);
        }
    }

    @Test
    void rspamdLearnsThroughTheControllerAndCallsGtubeSpamAndTheMinutesHam(@TempDir Path dir) throws Exception {
        try (RspamdServer rspamd = new RspamdServer(dir)) {
            SpamMetrics metrics = trainAndTest(new RspamdSpamEngine(rspamd.normal(), rspamd.controller()));

            assertThat(metrics.spamAsSpam()).as(rspamd.log()).isEqualTo(2);
            assertThat(metrics.hamAsHam()).as(rspamd.log()).isEqualTo(2);
            HttpResponse<String> stat = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(rspamd.controller().resolve("/stat")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stat.body()).as(rspamd.log()).contains("\"learned\":6,");
        }
    }
}
