package io.yubin.operator.dns;

import io.yubin.operator.DomainSettings;

/**
 * The domain's mail client configuration in the autoconfig format that Thunderbird defined and
 * that Thunderbird, K-9/Thunderbird for Android, Evolution, KMail and others read
 * ({@code clientConfig} version 1.1): the same servers and ports as the RFC 6186 SRV records of
 * {@link MailRecords}, implicit TLS first (RFC 8314 §5.1), the full address as the user name and
 * the password sent inside TLS. The front-end pods serve it at
 * {@code https://autoconfig.<domain>/mail/config-v1.1.xml}, where clients look first.
 */
public final class ClientAutoconfig {

    private ClientAutoconfig() {
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
        server(out, "incomingServer", "imap", host, 993, "SSL");
        server(out, "incomingServer", "imap", host, 143, "STARTTLS");
        server(out, "incomingServer", "pop3", host, 995, "SSL");
        server(out, "incomingServer", "pop3", host, 110, "STARTTLS");
        server(out, "outgoingServer", "smtp", host, 465, "SSL");
        server(out, "outgoingServer", "smtp", host, 587, "STARTTLS");
        return out.append("  </emailProvider>\n</clientConfig>\n").toString();
    }

    private static void server(StringBuilder out, String element, String type, String host, int port, String socket) {
        out.append("    <").append(element).append(" type=\"").append(type).append("\">\n")
                .append("      <hostname>").append(host).append("</hostname>\n")
                .append("      <port>").append(port).append("</port>\n")
                .append("      <socketType>").append(socket).append("</socketType>\n")
                .append("      <authentication>password-cleartext</authentication>\n")
                .append("      <username>%EMAILADDRESS%</username>\n")
                .append("    </").append(element).append(">\n");
    }

    /** Host names hold no markup characters; escaped all the same. */
    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
