package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpamRuleTest {

    private final SpamTokenizer tokenizer = new SpamTokenizer();

    private Set<SpamRule> rules(String message) {
        return SpamRule.found(tokenizer.features(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void eachRuleIsFoundWhereItsSignIs() {
        assertThat(rules("""
                From: "Hugh" <hugh5546x73@bigfoot.example>
                To: undisclosed-recipients:;, "2591@isp.example" <2591@isp.example>
                Subject: EARN $4,000 A MONTH      FGTPRIL
                Message-Id: <000049450530$00001a10$00004d94@mailhost.example>
                X-Priority: 1 (Highest)
                Content-Type: text/html; charset=us-ascii
                Content-Transfer-Encoding: base64

                PHA+RGVhciBGcmllbmQsIGFjdCAgIG5vdzogaXQgaXMgPGI+UklTSy1GUkVFPC9iPi4gPGEgaHJl
                Zj0iaHR0cDovLzE5Mi4wLjIuNy9vZmZlciI+SGVyZTwvYT4sDQpvciA8YSBocmVmPSJodHRwOi8v
                d3d3LmJhbmsuZXhhbXBsZUBldmlsLmV4YW1wbGUvbG9naW4iPnlvdXIgYmFuazwvYT4uIFdvcmsg
                ZnJvbSBob21lDQphbmQgbWFrZSAkJCQhIENsaWNrIGJlbG93LjwvcD4NCjxwPk91ciBtZW1iZXJz
                IHNheSBpdCBhZ2FpbiBhbmQgYWdhaW46IFRISVMgV09SS1MuIFRoZSBwbGFuIHBheXMgZXZlcnkg
                bW9udGgsIHRoZSBjb3N0IGlzIHNtYWxsLCB0aGUgaGVscCBpcyB0aGVyZSB3aGVuIHlvdSBuZWVk
                IGl0IGFuZCBub2JvZHkgaXMgbGVmdCBiZWhpbmQsIHNvIEpPSU4gVE9EQVkgYW5kIFRFTEwgWU9V
                UiBGUklFTkRTIGFib3V0IHRoZSBHUkVBVEVTVCBPRkZFUiB0aGV5IHdpbGwgZXZlciByZWFkLjwv
                cD4NCg==
                """)).containsExactlyInAnyOrder(SpamRule.values());
    }

    @Test
    void anOrdinaryMessageHasNoneAndAFoldedSubjectIsNoTrackingTag() {
        assertThat(rules("""
                From: Alice Example <alice@example.org>
                To: bob@example.net
                Subject: Native American economics (was Re: sed /s/United States/Roman
                    Empire/g)
                Message-Id: <000f01c2628a$5ec5a2e0$0200a8c0@laptop.example.org>
                In-Reply-To: <87k7@example.net>

                The report is at https://www.example.org/2002/report.html; it costs nothing
                and you can act on it now, or not at all.
                """)).isEmpty();
    }

    @Test
    void aSubjectEncodedInMimeWordsIsReadDecoded() {
        assertThat(rules("""
                From: a@example.org
                Subject: =?iso-8859-1?q?Gagnez_=2410_000?=

                x
                """)).containsExactly(SpamRule.SUBJECT_MONEY);
    }

    @Test
    void aSalesPromiseIsFoundAtTheStartOfAWordInAnyCaseAcrossALineBreak() {
        assertThat(SpamRule.phrases("It is RISK-FREE.")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("risk free")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("so Act\nNow!")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("(100% Satisfaction)")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("a limited time")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("we interact now and then")).isEmpty();
        assertThat(SpamRule.phrases("no obligations?")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("no-obligation")).isEmpty();
        assertThat(SpamRule.phrases("1100% free")).isEmpty();
        assertThat(SpamRule.phrases("act no")).isEmpty();
        assertThat(SpamRule.phrases("")).isEmpty();
    }

    @Test
    void eachPhraseRuleIsFoundByItsPhrasesAndOnlyAtTheStartOfAWord() {
        assertThat(SpamRule.phrases("This E-mail is NOT spam: you are receiving this email because"))
                .containsExactly(SpamRule.BULK_MAIL_TALK);
        assertThat(SpamRule.phrases("type \"remove\" in the subject")).containsExactly(SpamRule.BULK_MAIL_TALK);
        assertThat(SpamRule.phrases("Bad credit? Refinance now")).containsExactly(SpamRule.MONEY_SCHEME);
        assertThat(SpamRule.phrases("a home-based business")).containsExactly(SpamRule.MONEY_SCHEME);
        assertThat(SpamRule.phrases("CLICK\nHERE TO ORDER")).containsExactly(SpamRule.CLICK_CALL);
        assertThat(SpamRule.phrases("Limited time: $$$, click below")).containsExactly(
                SpamRule.SALES_PROMISE, SpamRule.MONEY_SCHEME, SpamRule.CLICK_CALL);
        assertThat(SpamRule.phrases("unclick below; a bulk-email; clicked here to get")).isEmpty();
    }

    @Test
    void anOutlookExpressMessageIdWithoutItsTimeIsABulkMailers() {
        // Outlook Express: 4 hex digits, then the FILETIME's high half (01c2... in 2002, 01d... after 2014).
        assertThat(SpamRule.ratwareMessageId("<000f01c2628a$5ec5a2e0$0200a8c0@laptop>")).isFalse();
        assertThat(SpamRule.ratwareMessageId("<2BBE01C24A8D$462EEDC0$1506FEA9@pc>")).isFalse();
        assertThat(SpamRule.ratwareMessageId("<003b01d5a8c4$a1b2c3d4$e5f6a7b8@host>")).isFalse();
        // Imitations: random digits, or a template's zeros.
        assertThat(SpamRule.ratwareMessageId("<022a62b35b8c$3832b4a3$8be02ba9@host>")).isTrue();
        assertThat(SpamRule.ratwareMessageId("<0000047b4e66$00005044$0000547b@mxs.mail.ru>")).isTrue();
        // Other forms are not Outlook Express's.
        assertThat(SpamRule.ratwareMessageId("<59e6301c249d5$ffb7ea20$1606fea9@host>")).isFalse();
        assertThat(SpamRule.ratwareMessageId("<003b01d5a8c4$a1b2c3d4$e5f6a7b8$@outlook.example>")).isFalse();
        assertThat(SpamRule.ratwareMessageId("<20020823151146.GA1234@example.org>")).isFalse();
    }

    @Test
    void aSubjectInCapitalsHasTenLettersOrMoreAndNoneInLowerCase() {
        assertThat(SpamRule.allCaps("URGENT ASSISTANCE(CONFIDENTIAL)")).isTrue();
        assertThat(SpamRule.allCaps("[ILUG] [Social] WE NEED YOUR ASSISTANCE")).isTrue();
        assertThat(SpamRule.allCaps("FW: SHORT TERM BUY!!! 100%")).isTrue();
        assertThat(SpamRule.allCaps("[ILUG] HELP ME NOW")).as("9 letters after the tag").isFalse();
        assertThat(SpamRule.allCaps("[SAtalk] RPM of v2.40 IS OUT")).isFalse();
        assertThat(SpamRule.allCaps("Re: URGENT ASSISTANCE")).isFalse();
        assertThat(SpamRule.allCaps("日本語のメールです、十文字以上あります")).as("letters without case").isFalse();
        assertThat(SpamRule.allCaps("[unclosed TAG AND THEN CAPITALS")).isFalse();
        assertThat(SpamRule.allCaps("")).isFalse();
    }

    @Test
    void aRecipientOfDigitsOnlyIsAMadeUpOne() {
        assertThat(SpamRule.numericRecipient("\"2591@qwest.example\" <2591@qwest.example>")).isTrue();
        assertThat(SpamRule.numericRecipient("bob@example.net, 1194@uk.example")).isTrue();
        assertThat(SpamRule.numericRecipient("<7869@isp.example>")).isTrue();
        assertThat(SpamRule.numericRecipient("bob2591@example.net")).isFalse();
        assertThat(SpamRule.numericRecipient("Bob <bob@2591.example>")).isFalse();
        assertThat(SpamRule.numericRecipient("b.1194@example.net")).isFalse();
    }

    @Test
    void aTextShoutsWhenAtLeastOneWordInSevenOfFourLettersOrMoreIsInCapitals() {
        String calm = "the quick brown foxes jumped over lazy dogs ".repeat(5);
        assertThat(SpamRule.shouting(calm)).as("40 words, none in capitals").isFalse();
        assertThat(SpamRule.shouting(calm + "UNCOMMON EXOTIC PLEASURE BOTANICALS AMAZING OFFER!")).isFalse();
        assertThat(SpamRule.shouting(calm + "UNCOMMON EXOTIC PLEASURE BOTANICALS AMAZING OFFER TODAY ONLY!")).isTrue();
        assertThat(SpamRule.shouting("FREE MONEY NOW FOR EVERYONE")).as("fewer than 40 words").isFalse();
        // Identifiers of code and configuration, with _ or digits, are no words in capitals.
        assertThat(SpamRule.shouting(calm + "ALSA_BUILD SPAM_PHRASE_00_01 T_HTML_IMAGE_AREA MODULE1 X11R6 ".repeat(4)))
                .isFalse();
        // Short capitals (I, OK, USB) are no words; Japanese letters have no case.
        assertThat(SpamRule.shouting(calm + "OK I USB ".repeat(40) + "日本語のメールです".repeat(40))).isFalse();
        assertThat(SpamRule.shouting("")).isFalse();
        assertThat(rules("From: a@example.org\nContent-Type: text/html\n\n<p>" + calm
                + "<b>UNCOMMON EXOTIC PLEASURE BOTANICALS AMAZING OFFER TODAY ONLY</b></p>\n"))
                .containsExactly(SpamRule.BODY_SHOUTING);
    }

    @Test
    void aCallToBuyIsASalesPromise() {
        assertThat(SpamRule.phrases("Order Now!")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("so call\ntoll-free 1-800")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("Call today, while supplies last")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("your FREE GIFT")).containsExactly(SpamRule.SALES_PROMISE);
        assertThat(SpamRule.phrases("a recall now pending; the order is now in")).isEmpty();
        assertThat(SpamRule.phrases("This is a one-time mailing.")).containsExactly(SpamRule.BULK_MAIL_TALK);
    }

    @Test
    void aMessageTextInALatinCharsetInBase64IsHiddenButAnAttachmentIsNot() {
        assertThat(SpamRule.base64Text("base64", null)).isTrue();
        assertThat(SpamRule.base64Text("BASE64", "ISO-8859-1")).isTrue();
        assertThat(SpamRule.base64Text("base64", "utf-8")).isFalse();
        assertThat(SpamRule.base64Text("base64", "iso-2022-jp")).isFalse();
        assertThat(SpamRule.base64Text("quoted-printable", "us-ascii")).isFalse();
        String text = java.util.Base64.getMimeEncoder().encodeToString("Hello Bob, the figures are attached.".getBytes());
        assertThat(rules("From: a@example.org\nContent-Type: text/plain; charset=us-ascii\n"
                + "Content-Transfer-Encoding: base64\n\n" + text + "\n")).containsExactly(SpamRule.TEXT_BASE64);
        assertThat(rules("""
                From: a@example.org
                Content-Type: multipart/mixed; boundary=b

                --b
                Content-Type: text/plain; charset=us-ascii

                Hello Bob, the figures are attached.
                --b
                Content-Type: text/csv; charset=us-ascii
                Content-Disposition: attachment; filename=figures.csv
                Content-Transfer-Encoding: base64

                """ + text + """

                --b--
                """)).isEmpty();
    }

    @Test
    void aHighPriorityIsTheHighestOnly() {
        assertThat(SpamRule.highPriority("x-priority", " 1 (Highest)")).isTrue();
        assertThat(SpamRule.highPriority("x-priority", "1")).isTrue();
        assertThat(SpamRule.highPriority("x-priority", "3 (Normal)")).isFalse();
        assertThat(SpamRule.highPriority("x-priority", "10")).isFalse();
        assertThat(SpamRule.highPriority("x-msmail-priority", "High")).isTrue();
        assertThat(SpamRule.highPriority("x-msmail-priority", "Normal")).isFalse();
        assertThat(SpamRule.highPriority("priority", "urgent")).isFalse();
    }

    @Test
    void aTrackingTagEndsTheSubjectAfterThreeSpacesOrMore() {
        assertThat(SpamRule.trackingTag("you don't satisfy me               FGTPRIL")).isTrue();
        assertThat(SpamRule.trackingTag("Hi\t \tx7  ")).isTrue();
        assertThat(SpamRule.trackingTag("Hi  x7")).isFalse();
        assertThat(SpamRule.trackingTag("Roman\r\n    Empire/g)")).as("folded").isFalse();
        assertThat(SpamRule.trackingTag("       ")).isFalse();
        assertThat(SpamRule.trackingTag("")).isFalse();
    }

    @Test
    void hostileFieldsAreReadInLinearTime() {
        String spaces = " ".repeat(1_000_000);
        String letters = "a".repeat(1_000_000);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThat(SpamRule.trackingTag("Hi" + spaces)).isFalse();
            assertThat(SpamRule.trackingTag(spaces + "x" + spaces + "!")).isTrue();
            assertThat(SpamRule.digitsSender(letters + "@example.org")).isFalse();
            assertThat(SpamRule.digitsSender(letters + "123@example.org")).isTrue();
            assertThat(SpamRule.ratwareMessageId("<0000" + "a".repeat(1_000_000))).isFalse();
            assertThat(SpamRule.allCaps("[".repeat(1_000_000))).isFalse();
            assertThat(SpamRule.allCaps("[x]".repeat(300_000) + "A".repeat(10))).isTrue();
            assertThat(SpamRule.numericRecipient("1".repeat(1_000_000) + "@example.org")).isFalse();
            assertThat(SpamRule.phrases("no ".repeat(300_000))).isEmpty();
            assertThat(SpamRule.phrases("click here to ".repeat(100_000))).isEmpty();
            assertThat(SpamRule.shouting("A".repeat(1_000_000) + " b".repeat(300_000))).isFalse();
        });
    }

    @Test
    void rulesAddToTheLogOddsOfAStatisticalScoreHeldWithinItsLimit() {
        assertThat(SpamClassifier.withRules(0.5, Set.of())).isEqualTo(0.5, within(1e-12));
        assertThat(SpamClassifier.withRules(0.7, Set.of())).isEqualTo(0.7, within(1e-12));
        // Fisher's score saturates; alone it gives at most 1 / (1 + e^-4) either way.
        double limit = 1 / (1 + Math.exp(-SpamRule.STATISTICS_LIMIT));
        assertThat(SpamClassifier.withRules(1.0, Set.of())).isEqualTo(limit, within(1e-12));
        assertThat(SpamClassifier.withRules(0.0, Set.of())).isEqualTo(1 - limit, within(1e-12));
        // Unsure statistics and a template's Message-ID: e^2 to 1.
        assertThat(SpamClassifier.withRules(0.5, Set.of(SpamRule.MESSAGE_ID_RATWARE)))
                .isEqualTo(1 / (1 + Math.exp(-2.0)), within(1e-12));
        // Confident ham stays ham with one rule, and a saturated spam score passes 0.999 only with rules.
        assertThat(SpamClassifier.withRules(0.0, Set.of(SpamRule.URL_NUMERIC_HOST))).isLessThan(0.1);
        assertThat(SpamClassifier.withRules(1.0, EnumSet.of(SpamRule.MESSAGE_ID_RATWARE, SpamRule.SALES_PROMISE,
                SpamRule.URL_NUMERIC_HOST))).isGreaterThan(0.999);
    }

    @Test
    void theClassifierTakesRulesOutOfItsCluesAndReportsThem() {
        InMemorySpamModel model = new InMemorySpamModel();
        long rule = SpamRule.TO_UNDISCLOSED.feature();
        for (int i = 0; i < 20; i++) {
            model.learn(new long[] {rule, 100 + i}, true);
            model.learn(new long[] {200 + i}, false);
        }

        SpamVerdict verdict = new SpamClassifier().classify(new long[] {rule, 999}, model, null);

        assertThat(verdict.clues()).as("the rule is no statistical clue, though learned").isZero();
        assertThat(verdict.rules()).containsExactly(SpamRule.TO_UNDISCLOSED);
        assertThat(verdict.score()).isEqualTo(1 / (1 + Math.exp(-1.5)), within(1e-12));
    }
}
