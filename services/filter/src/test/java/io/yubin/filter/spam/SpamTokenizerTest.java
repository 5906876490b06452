package io.yubin.filter.spam;

import static io.yubin.filter.spam.SpamTokenizer.feature;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SpamTokenizerTest {

    private final SpamTokenizer tokenizer = new SpamTokenizer();

    private long[] features(String message) {
        return tokenizer.features(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static long pair(String earlier, String later, int distance) {
        return FeatureHash.pair(feature("body", earlier), feature("body", later), distance);
    }

    @Test
    void plainTextGivesLowercasedWordsAndTheirSparseBigramsInAWindowOfFive() {
        long[] features = features("""
                From: a@example.com
                Subject: hello
                
                Cheap pills, now! one two three four five
                """);

        assertThat(features).contains(feature("body", "cheap"), feature("body", "pills"), feature("body", "now!"),
                pair("cheap", "pills", 1), pair("cheap", "now!", 2), pair("one", "five", 4));
        assertThat(features).doesNotContain(pair("cheap", "three", 5), pair("cheap", "three", 4), pair("pills", "cheap", 1));
        assertThat(features).doesNotHaveDuplicates();
    }

    @Test
    void decodesBase64AndQuotedPrintablePartsAndAnEightBitCharset() {
        String base64 = Base64.getMimeEncoder().encodeToString("Refinance mortgage today".getBytes(StandardCharsets.US_ASCII));
        byte[] koi8 = "Привет мир".getBytes(Charset.forName("KOI8-R"));
        String message = """
                From: a@example.com
                Subject: parts
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="b"
                
                --b
                Content-Type: text/plain; charset=us-ascii
                Content-Transfer-Encoding: base64
                
                %s
                --b
                Content-Type: text/plain; charset=iso-8859-1
                Content-Transfer-Encoding: quoted-printable
                
                caf=E9 supercalifragi=
                listic
                --b
                Content-Type: text/plain; charset=koi8-r
                Content-Transfer-Encoding: 8bit
                
                KOI8
                --b--
                """.formatted(base64);
        byte[] bytes = message.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(bytes, "KOI8".getBytes(StandardCharsets.US_ASCII));
        byte[] withKoi8 = new byte[bytes.length - 4 + koi8.length];
        System.arraycopy(bytes, 0, withKoi8, 0, at);
        System.arraycopy(koi8, 0, withKoi8, at, koi8.length);
        System.arraycopy(bytes, at + 4, withKoi8, at + koi8.length, bytes.length - at - 4);

        long[] features = tokenizer.features(withKoi8);

        assertThat(features).contains(feature("body", "refinance"), feature("body", "mortgage"),
                feature("body", "café"), feature("body", "supercalifragilistic"),
                feature("body", "привет"), feature("body", "мир"),
                feature("part", "type:multipart/mixed"), feature("part", "charset:koi8-r"));
        assertThat(features).doesNotContain(feature("body", "koi8"));
    }

    @Test
    void htmlIsStrippedToItsTextAndItsTagsAndUrlsBecomeFeatures() {
        long[] features = features("""
                From: a@example.com
                Content-Type: text/html; charset=utf-8
                
                <html><head><style>p { color: red }</style></head><body>
                <p>Buy V<!-- x -->iagra &amp; <b>sa</b>ve</p>
                <a href="http://user@www.shop.example.co.uk:8080/x?y">click</a> <img src="https://192.0.2.1/p.gif">
                </body></html>
                """);

        assertThat(features).contains(feature("body", "buy"), feature("body", "viagra"), feature("body", "save"),
                feature("body", "click"), feature("html", "comment"), feature("html", "a"), feature("html", "img"),
                feature("html", "attr:href"), feature("url", "host:www.shop.example.co.uk"),
                feature("url", "domain:example.co.uk"), feature("url", "ip"), feature("url", "count:2"));
        assertThat(features).doesNotContain(feature("body", "color"), feature("body", "href"), feature("body", "iagra"));
        // The tag and attribute names, and only they, are markup: html, head, style, body, p, b, a, img,
        // href, src, and the comment.
        assertThat(Arrays.stream(features).filter(FeatureHash::isMarkup).count()).isEqualTo(11);
        assertThat(FeatureHash.isMarkup(feature("html", "a"))).isTrue();
        assertThat(FeatureHash.isMarkup(feature("body", "click"))).isFalse();
    }

    @Test
    void whatTheDnsListsSaidIsAFeatureAndUrlDomainsAreListedForThem() {
        String message = """
                X-Spam-Lists: uribl=dbl.spamhaus.org; DNSBL=bl.spamcop.net
                From: a@example.com
                Content-Type: text/html; charset=utf-8

                <a href="http://www.shop.example.co.uk/x">one</a> http://a.b.example.com/
                https://shop.example.co.uk/again http://192.0.2.1/ http://c.example.net/
                """;

        assertThat(features(message)).contains(feature("list", "uribl=dbl.spamhaus.org"),
                feature("list", "dnsbl=bl.spamcop.net"));
        assertThat(features(message)).doesNotContain(feature("header", "x-spam-lists"));
        byte[] octets = message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        // registered domains, each once, in order; no IP literal
        assertThat(tokenizer.analyze(octets, 10).urlDomains()).containsExactly("example.co.uk", "example.com", "example.net");
        assertThat(tokenizer.analyze(octets, 2).urlDomains()).containsExactly("example.co.uk", "example.com");
    }

    @Test
    void headerFieldsGiveTheirOwnFeatures() {
        long[] features = features("""
                Received: from a by b
                Received: from c by d
                Received: from mail.example.org (mail.example.org [192.0.2.7])
                 by mx.example.net with ESMTP
                To: Undisclosed <list@lists.example.info>
                Authentication-Results: mx.example.net; dkim=pass header.d=example.com;
                 spf=fail smtp.mailfrom=example.org; dmarc=none header.from=example.com
                From: "Best Offers" <deals@mail.offers.example.com>
                Reply-To: <x@elsewhere.example>
                Subject: =?utf-8?q?Gro=C3=9Fe_Chance?=
                X-Mailer: Mass Mailer 2.1
                X-Spam-Status: Yes
                Message-ID: <1@mail.offers.example.com>
                
                text
                """);

        assertThat(features).contains(feature("auth", "dkim=pass"), feature("auth", "spf=fail"),
                feature("auth", "dmarc=none"),
                feature("meta", "from:domain:example.com"), feature("meta", "reply-to:elsewhere"),
                feature("subject", "große"),
                feature("subject", "chance"), feature("meta", "subject-charset:utf-8"),
                feature("from-name", "offers"), feature("mailer", "mass"), feature("header", "x-mailer"),
                feature("meta", "received-from:example.org"), feature("meta", "received-by:example.net"),
                feature("meta", "received-ip:192.0"), feature("meta", "to:domain:example.info"));
        assertThat(features).doesNotContain(feature("header", "x-spam-status"), feature("auth", "header"),
                feature("meta", "message-id:none"));
        // What the receiving site adds is no feature: its hops, a Message-ID its relay gave the message.
        assertThat(features).as("docs/filtering.md, \"What the receiving site adds\"").doesNotContain(
                feature("meta", "received:3"), feature("meta", "message-id:domain:example.com"),
                feature("meta", "message-id:mail.offers.example.com"));
    }

    @Test
    void theWorkPerMessageIsBounded() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            body.append("w").append(i).append(' ');
        }
        long[] features = features("From: a@example.com\n\n" + body);

        assertThat(features.length).isLessThanOrEqualTo(SpamTokenizer.MAX_FEATURES);
        assertThat(features).contains(feature("body", "w0")).doesNotContain(feature("body", "w100000"));
    }

    @Test
    void malformedInputStillGivesFeatures() {
        assertThat(tokenizer.features(new byte[0])).isNotEmpty();
        assertThat(features("no header at all\n\nbut words")).isNotEmpty();
        assertThat(features("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Transfer-Encoding: base64\n\n!!!\n"))
                .isNotEmpty();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void headerNamesAreFeaturesUnlessLeftOut() {
        byte[] message = "From: a@b.example\r\nX-Mailer: Mass 1.0\r\nSubject: hello\r\n\r\nbody text\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(new SpamTokenizer().features(message)).contains(feature("header", "x-mailer"), feature("header", "from"));
        long[] without = new SpamTokenizer(false).features(message);
        assertThat(without).doesNotContain(feature("header", "x-mailer"), feature("header", "from"))
                .contains(feature("body", "body"), feature("mailer", "mass"));
    }
}
