package io.yubin.operator.dns;

import io.yubin.operator.DomainSettings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The domain's mail client configuration, in two formats, naming the services of the RFC 6186 SRV
 * records ({@link MailRecords#CLIENT_SERVICES}), the full address as the user name and the password
 * sent inside TLS:
 *
 * <ul>
 *   <li>{@link #of}: the autoconfig format that Thunderbird defined and that Thunderbird,
 *       K-9/Thunderbird for Android, Evolution, KMail and others read ({@code clientConfig} version
 *       1.1), implicit TLS first (RFC 8314 §5.1), then STARTTLS; served at
 *       {@code https://autoconfig.<domain>/mail/config-v1.1.xml};
 *   <li>{@link #outlook}: Outlook's Autodiscover answer (the POX "outlook" response schema), implicit
 *       TLS only, with {@link #ADDRESS} where the asking user's address goes; served at
 *       {@code https://autoconfig.<domain>/autodiscover/autodiscover.xml}, which the
 *       {@code _autodiscover._tcp} SRV record names.
 * </ul>
 */
public final class ClientAutoconfig {

    private ClientAutoconfig() {
    }

    /** Where the user's address goes in both documents; the server puts it into Outlook's answer. */
    public static final String ADDRESS = "%EMAILADDRESS%";

    /**
     * Every file the front end's HTTPS host serves for the domain, by file name, as it reads them
     * from its directory ({@code io.yubin.web.DomainWebServer}): {@code <domain>.txt}, the MTA-STS
     * policy, and with autoconfig {@code <domain>.autoconfig.xml} ({@link #of}) and
     * {@code <domain>.autodiscover.xml} ({@link #outlook}). The operator's ConfigMap and
     * {@code yubin domain dns} both write these.
     */
    public static Map<String, String> webFiles(DomainSettings settings, MtaStsPolicy policy) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(settings.domain() + ".txt", policy.text());
        if (settings.autoconfig().enabled()) {
            files.put(settings.domain() + ".autoconfig.xml", of(settings));
            files.put(settings.domain() + ".autodiscover.xml", outlook(settings));
        }
        return files;
    }

    /** The XML document, UTF-8; null when the domain's autoconfig is disabled. */
    public static String of(DomainSettings settings) {
        if (!settings.autoconfig().enabled()) {
            return null;
        }
        String domain = xml(settings.domain());
        String host = xml(settings.autoconfig().host());
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<clientConfig version=\"1.1\">\n")
                .append("  <emailProvider id=\"").append(domain).append("\">\n")
                .append("    <domain>").append(domain).append("</domain>\n")
                .append("    <displayName>").append(domain).append("</displayName>\n")
                .append("    <displayShortName>").append(domain).append("</displayShortName>\n");
        for (MailRecords.ClientService service : MailRecords.CLIENT_SERVICES) {
            server(out, service.protocol().equals("smtp") ? "outgoingServer" : "incomingServer", host, service);
        }
        return out.append("  </emailProvider>\n</clientConfig>\n").toString();
    }

    /** Outlook's Autodiscover answer, UTF-8, with {@link #ADDRESS} as the login name; null when disabled. */
    public static String outlook(DomainSettings settings) {
        if (!settings.autoconfig().enabled()) {
            return null;
        }
        String host = xml(settings.autoconfig().host());
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n")
                .append("  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\n")
                .append("    <Account>\n")
                .append("      <AccountType>email</AccountType>\n")
                .append("      <Action>settings</Action>\n");
        for (MailRecords.ClientService service : MailRecords.CLIENT_SERVICES) {
            if (service.implicitTls()) {
                protocol(out, host, service);
            }
        }
        return out.append("    </Account>\n  </Response>\n</Autodiscover>\n").toString();
    }

    private static void protocol(StringBuilder out, String host, MailRecords.ClientService service) {
        out.append("      <Protocol>\n")
                .append("        <Type>").append(service.protocol().toUpperCase(Locale.ROOT)).append("</Type>\n")
                .append("        <Server>").append(host).append("</Server>\n")
                .append("        <Port>").append(service.port()).append("</Port>\n")
                .append("        <LoginName>").append(ADDRESS).append("</LoginName>\n")
                .append("        <DomainRequired>off</DomainRequired>\n")
                .append("        <SPA>off</SPA>\n")
                .append("        <SSL>on</SSL>\n")
                .append("        <Encryption>SSL</Encryption>\n")
                .append("        <AuthRequired>on</AuthRequired>\n")
                .append("      </Protocol>\n");
    }

    private static void server(StringBuilder out, String element, String host, MailRecords.ClientService service) {
        out.append("    <").append(element).append(" type=\"").append(service.protocol()).append("\">\n")
                .append("      <hostname>").append(host).append("</hostname>\n")
                .append("      <port>").append(service.port()).append("</port>\n")
                .append("      <socketType>").append(service.implicitTls() ? "SSL" : "STARTTLS").append("</socketType>\n")
                .append("      <authentication>password-cleartext</authentication>\n")
                .append("      <username>").append(ADDRESS).append("</username>\n")
                .append("    </").append(element).append(">\n");
    }

    /** Host names hold no markup characters; escaped all the same. */
    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
