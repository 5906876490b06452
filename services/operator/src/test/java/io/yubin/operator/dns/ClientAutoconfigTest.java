package io.yubin.operator.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.operator.DomainSettings;
import io.yubin.operator.SpecException;
import io.yubin.operator.crd.MailDomainSpec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ClientAutoconfigTest {

    private static MailDomainSpec spec(MailDomainSpec.Autoconfig autoconfig) {
        return new MailDomainSpec("example.com",
                List.of(new MailDomainSpec.MxHost("mx1.example.com", 10), new MailDomainSpec.MxHost("mx2.example.com", 20)),
                null, null, null, null, null, null, autoconfig, null, null);
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String text(Element parent, String name) {
        return parent.getElementsByTagName(name).item(0).getTextContent();
    }

    /** Each server element as "type host port socketType authentication username". */
    private static List<String> servers(Document doc, String element) {
        List<String> out = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName(element);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            out.add(e.getAttribute("type") + " " + text(e, "hostname") + " " + text(e, "port") + " "
                    + text(e, "socketType") + " " + text(e, "authentication") + " " + text(e, "username"));
        }
        return out;
    }

    @Test
    void namesTheSrvRecordsServersImplicitTlsFirstWithTheFullAddressAsUserName() throws Exception {
        DomainSettings settings = DomainSettings.of("example-com", spec(new MailDomainSpec.Autoconfig(null, "imap.example.com")));
        Document doc = parse(ClientAutoconfig.of(settings));

        Element root = doc.getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("clientConfig");
        assertThat(root.getAttribute("version")).isEqualTo("1.1");
        Element provider = (Element) root.getElementsByTagName("emailProvider").item(0);
        assertThat(provider.getAttribute("id")).isEqualTo("example.com");
        assertThat(text(provider, "domain")).isEqualTo("example.com");
        assertThat(servers(doc, "incomingServer")).containsExactly(
                "imap imap.example.com 993 SSL password-cleartext %EMAILADDRESS%",
                "imap imap.example.com 143 STARTTLS password-cleartext %EMAILADDRESS%",
                "pop3 imap.example.com 995 SSL password-cleartext %EMAILADDRESS%",
                "pop3 imap.example.com 110 STARTTLS password-cleartext %EMAILADDRESS%");
        assertThat(servers(doc, "outgoingServer")).containsExactly(
                "smtp imap.example.com 465 SSL password-cleartext %EMAILADDRESS%",
                "smtp imap.example.com 587 STARTTLS password-cleartext %EMAILADDRESS%");
        // the same host and ports as the RFC 6186 records
        assertThat(MailRecords.of(settings, List.of(), MtaStsPolicy.of(settings), List.of()).stream()
                .map(DnsRecord::toString).filter(r -> r.contains(" SRV ") && !r.startsWith("_autodiscover.")))
                .hasSize(6).allSatisfy(r -> assertThat(r).endsWith(" imap.example.com."));
    }

    @Test
    void outlookIsToldTheImplicitTlsServersWithItsAddressAsLoginName() throws Exception {
        DomainSettings settings = DomainSettings.of("example-com", spec(new MailDomainSpec.Autoconfig(null, "imap.example.com")));
        Document doc = parse(ClientAutoconfig.outlook(settings));

        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("Autodiscover");
        assertThat(doc.getDocumentElement().getAttribute("xmlns"))
                .isEqualTo("http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006");
        Element response = (Element) doc.getElementsByTagName("Response").item(0);
        assertThat(response.getAttribute("xmlns"))
                .isEqualTo("http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a");
        assertThat(text(response, "AccountType")).isEqualTo("email");
        assertThat(text(response, "Action")).isEqualTo("settings");
        List<String> protocols = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName("Protocol");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            protocols.add(text(e, "Type") + " " + text(e, "Server") + " " + text(e, "Port") + " " + text(e, "SSL")
                    + " " + text(e, "SPA") + " " + text(e, "AuthRequired") + " " + text(e, "LoginName"));
        }
        assertThat(protocols).containsExactly(
                "IMAP imap.example.com 993 on off on %EMAILADDRESS%",
                "POP3 imap.example.com 995 on off on %EMAILADDRESS%",
                "SMTP imap.example.com 465 on off on %EMAILADDRESS%");
        assertThat(MailRecords.of(settings, List.of(), MtaStsPolicy.of(settings), List.of()).stream()
                .map(DnsRecord::toString)).contains("_autodiscover._tcp.example.com. 3600 IN SRV 0 1 443 autoconfig.example.com.");
    }

    @Test
    void theFirstMxHostServesClientsByDefaultAndNothingIsMadeWhenDisabled() throws Exception {
        Document doc = parse(ClientAutoconfig.of(DomainSettings.of("example-com", spec(null))));
        assertThat(servers(doc, "incomingServer")).allSatisfy(s -> assertThat(s).contains(" mx1.example.com "));

        DomainSettings disabled = DomainSettings.of("example-com", spec(new MailDomainSpec.Autoconfig(false, null)));
        assertThat(ClientAutoconfig.of(disabled)).isNull();
        assertThat(ClientAutoconfig.outlook(disabled)).isNull();
        assertThat(MailRecords.of(disabled, List.of(), MtaStsPolicy.of(disabled), List.of()).stream()
                .map(DnsRecord::toString)).noneMatch(r -> r.contains(" SRV "));
    }
}
