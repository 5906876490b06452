package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dkim.DkimKeyDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code yubin domain dns}: what the operator makes for a domain, made on this machine, and its records. */
class DomainDnsCommandTest {

    @TempDir
    Path home;
    private Path data;
    private Path config;

    @BeforeEach
    void configure() throws Exception {
        data = home.resolve("data");
        config = Files.writeString(home.resolve("yubin.yaml"), "data-dir: " + data + "\n");
    }

    /** Signs a message with the server's signer over the keys directory; verifies it with the record's key. */
    private boolean signedAndVerified(String record, String domain) throws Exception {
        String txt = String.join("", java.util.regex.Pattern.compile("\"([^\"]*)\"").matcher(record).results()
                .map(m -> m.group(1)).toList());
        byte[] message = ("From: alice@" + domain + "\r\nTo: bob@example.net\r\nSubject: hello\r\n"
                + "Date: Mon, 07 Dec 2026 13:00:00 +0000\r\nMessage-ID: <1@" + domain + ">\r\n\r\nHello.\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.time.Clock clock = java.time.Clock.systemUTC();
        List<String> fields = new io.yubin.mailauth.dkim.DkimSigner(new DkimKeyDirectory(data.resolve("dkim")), clock)
                .sign(domain, message);
        byte[] signed = (String.join("", fields)
                + new String(message, java.nio.charset.StandardCharsets.US_ASCII)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        io.yubin.mailauth.dkim.DkimKeyLookup dns = name -> java.util.concurrent.CompletableFuture.completedFuture(
                name.equals("yubin._domainkey." + domain) ? new io.yubin.mailauth.dkim.DkimKeyLookup.Records(List.of(txt))
                        : new io.yubin.mailauth.dkim.DkimKeyLookup.NoRecord());
        List<io.yubin.mailauth.dkim.DkimResult> results = new io.yubin.mailauth.dkim.DkimVerifier(dns, Runnable::run, clock,
                io.yubin.mailauth.dkim.DkimVerifier.Limits.DEFAULT).verify(new java.io.ByteArrayInputStream(signed))
                .toCompletableFuture().get();
        return results.size() == 1 && results.get(0).status() == io.yubin.mailauth.dkim.DkimStatus.PASS;
    }

    private static String dkimRecord(String out, String name) {
        return out.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
    }

    @Test
    void makesTheKeyAndTheHttpsHostsFilesAndPrintsTheRecordsWithTheDefaults() throws Exception {
        CliRun cli = new CliRun();
        int status = cli.run("domain", "dns", "example.org", "--address", "192.0.2.10", "--address", "2001:db8::10",
                "--config", config.toString());

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out()).contains(
                "example.org. 3600 IN MX 10 mail.example.org.\n",
                "example.org. 3600 IN TXT \"v=spf1 mx ~all\"\n",
                "_dmarc.example.org. 3600 IN TXT \"v=DMARC1; p=none\"\n",
                "_imaps._tcp.example.org. 3600 IN SRV 0 1 993 mail.example.org.\n",
                "_autodiscover._tcp.example.org. 3600 IN SRV 0 1 443 autoconfig.example.org.\n",
                "mail.example.org. 3600 IN A 192.0.2.10\n",
                "mail.example.org. 3600 IN AAAA 2001:db8::10\n",
                "mta-sts.example.org. 3600 IN A 192.0.2.10\n",
                "autoconfig.example.org. 3600 IN A 192.0.2.10\n")
                .containsPattern("_mta-sts\\.example\\.org\\. 3600 IN TXT \"v=STSv1; id=[0-9a-f]{32}\"")
                .containsPattern("yubin\\._domainkey\\.example\\.org\\. 3600 IN TXT \"v=DKIM1; k=rsa; p=");
        assertThat(cli.err()).contains("made the DKIM key " + data.resolve("dkim/example.org/yubin.key"))
                .contains("serve them with mta-sts.enabled: true")
                .contains("the TLS certificate must name mail.example.org, mta-sts.example.org, autoconfig.example.org");

        // the key is where the signer reads it, for the owner's eyes only
        Path key = data.resolve("dkim/example.org/yubin.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(new DkimKeyDirectory(data.resolve("dkim")).forDomain("example.org")).hasSize(1);
        assertThat(signedAndVerified(dkimRecord(cli.out(), "yubin._domainkey.example.org."), "example.org"))
                .as("the key file signs and the printed record verifies").isTrue();
        // and what the HTTPS host serves
        assertThat(Files.readString(data.resolve("mta-sts/example.org.txt")))
                .isEqualTo("version: STSv1\r\nmode: testing\r\nmx: mail.example.org\r\nmax_age: 604800\r\n");
        assertThat(Files.readString(data.resolve("mta-sts/example.org.autoconfig.xml")))
                .contains("<hostname>mail.example.org</hostname>");
        assertThat(Files.readString(data.resolve("mta-sts/example.org.autodiscover.xml")))
                .contains("<Server>mail.example.org</Server>");

        // again: the key is kept, so are the records
        CliRun again = new CliRun();
        assertThat(again.run("domain", "dns", "example.org", "--address", "192.0.2.10", "--address", "2001:db8::10",
                "--config", config.toString())).isZero();
        assertThat(again.err()).contains("kept the DKIM key");
        assertThat(dkimRecord(again.out(), "yubin._domainkey.example.org.")).isEqualTo(
                dkimRecord(cli.out(), "yubin._domainkey.example.org."));
    }

    @Test
    void aMailDomainResourceGivesTheSettings() throws Exception {
        Path spec = Files.writeString(home.resolve("example-net.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata: {name: tsig}
                stringData: {secret: x}
                ---
                apiVersion: yubin.io/v1alpha1
                kind: MailDomain
                metadata:
                  name: example-net
                spec:
                  domain: example.net
                  mxHosts:
                    - {host: mx1.example.net, priority: 10}
                    - {host: mx2.example.net, priority: 20}
                  dkim: {selector: s2026, algorithm: ed25519-sha256}
                  dmarc: {policy: reject, rua: ["mailto:dmarc@example.net"]}
                  mtaSts: {mode: enforce}
                  autoconfig: {enabled: false}
                """);
        CliRun cli = new CliRun();
        assertThat(cli.run("domain", "dns", "--spec", spec.toString(), "--config", config.toString())).as(cli.err()).isZero();
        assertThat(cli.out()).contains("example.net. 3600 IN MX 20 mx2.example.net.\n",
                "_dmarc.example.net. 3600 IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@example.net\"\n")
                .containsPattern("s2026\\._domainkey\\.example\\.net\\. 3600 IN TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"")
                .doesNotContain(" SRV ").doesNotContain(" A ");
        assertThat(Files.readString(data.resolve("mta-sts/example.net.txt"))).contains("mode: enforce\r\nmx: mx1.example.net\r\n");
        assertThat(data.resolve("mta-sts/example.net.autoconfig.xml")).doesNotExist();
        assertThat(new DkimKeyDirectory(data.resolve("dkim")).forDomain("example.net")).hasSize(1);
    }

    @Test
    void theRepositorysExampleGivesTheRecordsTheOperatorDocsShow() throws Exception {
        CliRun cli = new CliRun();
        assertThat(cli.run("domain", "dns", "--spec", "../../k8s/examples/maildomain.yaml", "--address", "192.0.2.10",
                "--address", "2001:db8::10", "--config", config.toString())).as(cli.err()).isZero();
        String doc = Files.readString(Path.of("../../docs/operator.md"));
        assertThat(cli.out().lines().filter(l -> !l.contains("._domainkey.")))
                .isNotEmpty().allSatisfy(record -> assertThat(doc).contains("\n" + record + "\n"));
    }

    @Test
    void badInputIsToldAndNothingIsWritten() throws Exception {
        CliRun both = new CliRun();
        assertThat(both.run("domain", "dns", "example.org", "--spec", "x.yaml", "--config", config.toString())).isEqualTo(2);
        assertThat(both.err()).contains("give NAME or --spec FILE, one of them");

        CliRun address = new CliRun();
        assertThat(address.run("domain", "dns", "example.org", "--address", "mail.example.org", "--config",
                config.toString())).isEqualTo(2);
        assertThat(address.err()).contains("mail.example.org is not an IP address");

        Path spec = Files.writeString(home.resolve("bad.yaml"), "spec:\n  domain: example.com\n  dkim: {algorithm: rsa-md5}\n");
        CliRun bad = new CliRun();
        assertThat(bad.run("domain", "dns", "--spec", spec.toString(), "--config", config.toString())).isEqualTo(1);
        assertThat(bad.err()).contains("spec.dkim.algorithm");

        CliRun name = new CliRun();
        assertThat(name.run("domain", "dns", "not a domain", "--config", config.toString())).isEqualTo(1);
        assertThat(name.err()).contains("spec.domain");
        assertThat(data).doesNotExist();
    }
}
