package io.yubin.operator.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.operator.crd.MailDomainStatus.RecordStatus;
import io.yubin.testing.bind9.Bind9Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * RFC 2136 updates with TSIG against a real BIND 9: only the differences are sent, single records
 * are deleted, records the operator did not add are left alone, and a failed update leaves the
 * zone as it was. Each test works on its own zone.
 */
class Rfc2136PublisherTest {

    static final Bind9Server.UpdateKey KEY = Bind9Server.UpdateKey.random("yubin-operator");
    static final List<String> ZONES = List.of("one.test", "two.test", "three.test", "four.test", "five.test");

    @TempDir
    static Path dir;
    static Bind9Server named;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> zones = new java.util.LinkedHashMap<>();
        for (String zone : ZONES) {
            zones.put(zone, """
                    $TTL 300
                    @        IN SOA ns1 hostmaster ( 1 3600 600 86400 300 )
                    @        IN NS  ns1
                    ns1      IN A   127.0.0.1
                    ; added by hand: never the operator's
                    @        IN MX  5 backup.example.net.
                    @        IN TXT "site-verification=abc"
                    ; the same as a record the operator wants: it stays when the operator goes
                    _dmarc   IN TXT "v=DMARC1; p=none"
                    """);
        }
        named = new Bind9Server(dir, zones, KEY);
    }

    @AfterAll
    static void stop() {
        if (named != null) {
            named.close();
        }
    }

    static Rfc2136Publisher publisher(String zone) throws DnsPublishException {
        return new Rfc2136Publisher("127.0.0.1", named.address().getPort(), zone, KEY.name(), KEY.algorithm(),
                KEY.secret(), Duration.ofSeconds(5));
    }

    static List<DnsRecord> desired(String zone, String dmarcPolicy) {
        return List.of(
                new DnsRecord(zone + ".", "MX", 300, "10 mail." + zone + "."),
                // BIND refuses an MX whose target inside the zone has no address (check-integrity)
                new DnsRecord("mail." + zone + ".", "A", 300, "192.0.2.1"),
                DnsRecord.txt(zone + ".", 300, "v=spf1 mx ~all"),
                DnsRecord.txt("s1._domainkey." + zone + ".", 300, "v=DKIM1; k=rsa; p=" + "B".repeat(300)),
                DnsRecord.txt("_dmarc." + zone + ".", 300, "v=DMARC1; p=" + dmarcPolicy),
                new DnsRecord("_imaps._tcp." + zone + ".", "SRV", 300, "0 1 993 mail." + zone + "."));
    }

    static List<String> served(String name, int type) throws IOException {
        List<String> values = new ArrayList<>();
        for (Record r : named.records(name, type)) {
            values.add(r.rdataToString());
        }
        return values;
    }

    static long serial(String zone) throws IOException {
        return ((SOARecord) named.records(zone, Type.SOA).get(0)).getSerial();
    }

    @Test
    void publishesTheRecordsBesideTheHandMadeOnes() throws Exception {
        String zone = "one.test";
        DnsPublisher.Outcome outcome = publisher(zone).publish(desired(zone, "none"), List.of());
        assertThat(outcome.changes()).isEqualTo(5);
        assertThat(served(zone, Type.MX)).containsExactlyInAnyOrder("5 backup.example.net.", "10 mail.one.test.");
        assertThat(served(zone, Type.TXT)).containsExactlyInAnyOrder("\"site-verification=abc\"", "\"v=spf1 mx ~all\"");
        assertThat(served("s1._domainkey." + zone, Type.TXT)).containsExactly(
                "\"v=DKIM1; k=rsa; p=" + "B".repeat(237) + "\" \"" + "B".repeat(63) + "\"");
        assertThat(served("_imaps._tcp." + zone, Type.SRV)).containsExactly("0 1 993 mail.one.test.");
        // every record is published; the one that was there before is not the operator's
        assertThat(outcome.records()).allMatch(RecordStatus::published);
        assertThat(outcome.records()).filteredOn(r -> !r.managed()).extracting(RecordStatus::name)
                .containsExactly("_dmarc.one.test.");
    }

    @Test
    void publishingAgainSendsNothing() throws Exception {
        String zone = "two.test";
        DnsPublisher.Outcome first = publisher(zone).publish(desired(zone, "none"), List.of());
        long serial = serial(zone);
        DnsPublisher.Outcome second = publisher(zone).publish(desired(zone, "none"), first.records());
        assertThat(second.changes()).isZero();
        assertThat(second.records()).isEqualTo(first.records());
        assertThat(serial(zone)).isEqualTo(serial);
    }

    @Test
    void aChangeReplacesOnlyTheOperatorsRecords() throws Exception {
        String zone = "three.test";
        DnsPublisher.Outcome first = publisher(zone).publish(desired(zone, "none"), List.of());
        List<DnsRecord> changed = new ArrayList<>(desired(zone, "reject"));
        changed.removeIf(r -> r.type().equals("SRV"));
        DnsPublisher.Outcome second = publisher(zone).publish(changed, first.records());
        // the SRV record goes; the hand-made DMARC record stays beside the new one
        assertThat(second.changes()).isEqualTo(2);
        assertThat(served("_imaps._tcp." + zone, Type.SRV)).isEmpty();
        assertThat(served("_dmarc." + zone, Type.TXT)).containsExactlyInAnyOrder("\"v=DMARC1; p=none\"",
                "\"v=DMARC1; p=reject\"");
        assertThat(served(zone, Type.MX)).containsExactlyInAnyOrder("5 backup.example.net.", "10 mail.three.test.");
    }

    @Test
    void removeTakesAwayTheOperatorsRecordsOnly() throws Exception {
        String zone = "four.test";
        DnsPublisher.Outcome outcome = publisher(zone).publish(desired(zone, "none"), List.of());
        publisher(zone).remove(outcome.records());
        assertThat(served(zone, Type.MX)).containsExactly("5 backup.example.net.");
        assertThat(served(zone, Type.TXT)).containsExactly("\"site-verification=abc\"");
        assertThat(served("s1._domainkey." + zone, Type.TXT)).isEmpty();
        assertThat(served("_imaps._tcp." + zone, Type.SRV)).isEmpty();
        assertThat(served("mail." + zone, Type.A)).isEmpty();
        assertThat(served("_dmarc." + zone, Type.TXT)).containsExactly("\"v=DMARC1; p=none\"");
    }

    @Test
    void aWrongTsigSecretChangesNothing() throws Exception {
        String zone = "five.test";
        long serial = serial(zone);
        Rfc2136Publisher wrong = new Rfc2136Publisher("127.0.0.1", named.address().getPort(), zone, KEY.name(),
                KEY.algorithm(), Bind9Server.UpdateKey.random("x").secret(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> wrong.publish(desired(zone, "none"), List.of()))
                .isInstanceOf(DnsPublishException.class)
                .hasMessageContaining("did not accept TSIG key yubin-operator (")
                .satisfies(e -> assertThat(((DnsPublishException) e).reason()).isEqualTo("DnsAuthFailed"));
        assertThat(serial(zone)).isEqualTo(serial);
        assertThat(served(zone, Type.MX)).containsExactly("5 backup.example.net.");
    }

    @Test
    void aRecordOutsideTheZoneStopsEverythingBeforeAnythingIsSent() throws Exception {
        String zone = "five.test";
        long serial = serial(zone);
        List<DnsRecord> records = new ArrayList<>(desired(zone, "none"));
        records.add(new DnsRecord("mail.example.net.", "A", 300, "192.0.2.1"));
        assertThatThrownBy(() -> publisher(zone).publish(records, List.of()))
                .isInstanceOf(DnsPublishException.class)
                .hasMessage("mail.example.net. is outside zone five.test.; set spec.dns.rfc2136.zone to a zone that holds it");
        assertThat(serial(zone)).isEqualTo(serial);
    }

    @Test
    void anUnreachableServerIsReportedWithinTheTimeout() throws Exception {
        int closed;
        // a port nothing listens on: updates go over TCP, so the connection is refused at once
        try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = tcp.getLocalPort();
        }
        Rfc2136Publisher nowhere = new Rfc2136Publisher("127.0.0.1", closed, "five.test", KEY.name(), KEY.algorithm(),
                KEY.secret(), Duration.ofSeconds(1));
        assertThatThrownBy(() -> nowhere.publish(desired("five.test", "none"), List.of()))
                .isInstanceOf(DnsPublishException.class)
                .hasMessageContaining("127.0.0.1:" + closed)
                .satisfies(e -> assertThat(((DnsPublishException) e).reason()).isEqualTo("DnsUnreachable"));
    }
}
