package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.filter.spam.SpamTokenizer;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.testing.bind9.Bind9Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SpamLists} asking a real BIND 9 about client addresses and URL domains. */
class SpamListsTest {

    @TempDir
    static Path named;
    static LocalDns localDns;
    static StubResolver dns;

    @BeforeAll
    static void startDns() throws Exception {
        String soa = Bind9Server.ZONE_HEAD;
        localDns = new LocalDns(named, Map.of(
                // RFC 5782: 203.0.113.7 and 2001:db8::7 listed; 127.255.255.254 is a refused query
                "bl.test", soa + "7.113.0.203 IN A 127.0.0.2\n8.113.0.203 IN A 127.255.255.254\n"
                        + "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 IN A 127.0.0.3\n",
                "clean.test", soa,
                // a domain list: 127.0.1.2 a listing (Spamhaus DBL), 127.0.0.1 a refused query (URIBL, SURBL)
                "dbl.test", soa + "spammy.example IN A 127.0.1.2\nrefused.example IN A 127.0.0.1\n",
                "other-dbl.test", soa + "spammy.example IN A 127.0.0.4\n",
                "broken.test", "garbage"));
        dns = localDns.resolver;
    }

    @AfterAll
    static void stopDns() throws Exception {
        localDns.close();
    }

    private static List<String> listings(SpamLists lists, String client, String body) throws Exception {
        byte[] message = ("From: a@example.org\r\nSubject: s\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
        List<String> urlDomains = new SpamTokenizer().analyze(message, SpamLists.MAX_DOMAINS).urlDomains();
        return lists.listings(client, urlDomains).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void namesEveryListThatListsTheClientOrADomainOfItsUrlsInTheConfiguredOrder() throws Exception {
        SpamLists lists = new SpamLists(dns, List.of("clean.test", "BL.test."),
                List.of("other-dbl.test", "broken.test", "dbl.test"));

        assertThat(listings(lists, "203.0.113.7", "see http://www.spammy.example/offer"))
                .containsExactly("dnsbl=bl.test", "uribl=other-dbl.test", "uribl=dbl.test");
        assertThat(listings(lists, "2001:db8::7", "nothing to see")).containsExactly("dnsbl=bl.test");
        assertThat(SpamLists.field(List.of("dnsbl=bl.test", "uribl=dbl.test")))
                .isEqualTo("X-Spam-Lists: dnsbl=bl.test; uribl=dbl.test\r\n");
        assertThat(SpamLists.field(List.of())).isEmpty();
    }

    @Test
    void refusedQueriesFailuresAndUnknownNamesAreNotListings() throws Exception {
        SpamLists lists = new SpamLists(dns, List.of("bl.test", "broken.test"), List.of("dbl.test", "broken.test"));

        // 127.255.255.254 and 127.0.0.1 answer a refused query; broken.test answers SERVFAIL
        assertThat(listings(lists, "203.0.113.8", "https://refused.example/ http://ok.example/")).isEmpty();
        assertThat(listings(lists, "198.51.100.1", "no links")).isEmpty();
        assertThat(listings(lists, "not an address", "")).isEmpty();
    }

    @Test
    void onlyTheFirstUrlDomainsAreAsked() throws Exception {
        SpamLists lists = new SpamLists(dns, List.of(), List.of("dbl.test"));
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < SpamLists.MAX_DOMAINS; i++) {
            body.append("http://host.d").append(i).append(".example/ ");
        }

        assertThat(listings(lists, "198.51.100.1", body + "http://spammy.example/")).isEmpty();
        assertThat(listings(lists, "198.51.100.1", "http://spammy.example/ " + body)).containsExactly("uribl=dbl.test");
    }
}
