package io.yubin.operator.dns;

import io.yubin.model.Ipv6Text;
import io.yubin.operator.DomainSettings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The records a mail domain needs, computed from its settings alone. */
public final class MailRecords {

    private MailRecords() {
    }

    /**
     * A service mail clients use (RFC 6186, RFC 8314), on the domain's autoconfig host: its SRV name,
     * its protocol ({@code imap}, {@code pop3}, {@code smtp}), port, and whether TLS is implicit
     * (else STARTTLS).
     */
    public record ClientService(String name, String protocol, int port, boolean implicitTls) {
    }

    /**
     * The client services, each protocol's implicit-TLS port first: the SRV records here and the client
     * configurations ({@link ClientAutoconfig}) name these.
     */
    public static final List<ClientService> CLIENT_SERVICES = List.of(
            new ClientService("imaps", "imap", 993, true), new ClientService("imap", "imap", 143, false),
            new ClientService("pop3s", "pop3", 995, true), new ClientService("pop3", "pop3", 110, false),
            new ClientService("submissions", "smtp", 465, true), new ClientService("submission", "smtp", 587, false));

    /** One DKIM key record: {@code text} ({@code v=DKIM1; k=...; p=...}) at {@code <selector>._domainkey}. */
    public record DkimRecord(String selector, String text) {
    }

    /**
     * Every record of the domain, in {@link DnsRecord#ORDER}.
     *
     * @param dkim the DKIM key records: the signing key's, and during a rotation the next and the retired ones
     * @param addresses the front end's public addresses; A/AAAA records are made for the names in
     *     the domain that point at it (MX hosts inside the domain, mta-sts, autoconfig)
     */
    public static List<DnsRecord> of(DomainSettings s, List<DkimRecord> dkim, MtaStsPolicy policy,
            List<InetAddress> addresses) {
        String domain = s.domain() + ".";
        long ttl = s.dns().ttl();
        List<DnsRecord> records = new ArrayList<>();

        for (DomainSettings.Mx mx : s.mxHosts()) {
            records.add(new DnsRecord(domain, "MX", ttl, mx.priority() + " " + mx.host() + "."));
        }
        records.add(DnsRecord.txt(domain, ttl, spf(s.spf())));
        for (DkimRecord key : dkim) {
            records.add(DnsRecord.txt(key.selector() + "._domainkey." + domain, ttl, key.text()));
        }
        records.add(DnsRecord.txt("_dmarc." + domain, ttl, dmarc(s.dmarc())));
        records.add(DnsRecord.txt("_mta-sts." + domain, ttl, "v=STSv1; id=" + policy.id()));
        if (!s.tlsRptRua().isEmpty()) {
            // RFC 8460 §3
            records.add(DnsRecord.txt("_smtp._tls." + domain, ttl, "v=TLSRPTv1; rua=" + String.join(",", s.tlsRptRua())));
        }
        if (s.autoconfig().enabled()) {
            String target = s.autoconfig().host() + ".";
            // RFC 6186 §3 and RFC 8314 §5.1: implicit TLS first (priority 0), STARTTLS after it
            for (ClientService service : CLIENT_SERVICES) {
                records.add(srv("_" + service.name() + "._tcp." + domain, ttl, service.implicitTls() ? 0 : 10,
                        service.port(), target));
            }
            // Outlook asks https://<this target>/autodiscover/autodiscover.xml (served with the client configuration)
            records.add(srv("_autodiscover._tcp." + domain, ttl, 0, 443, "autoconfig." + domain));
        }
        if (!addresses.isEmpty()) {
            Set<String> hosts = new LinkedHashSet<>();
            for (DomainSettings.Mx mx : s.mxHosts()) {
                if (inside(mx.host(), s.domain())) {
                    hosts.add(mx.host());
                }
            }
            hosts.add("mta-sts." + s.domain());
            if (s.autoconfig().enabled()) {
                hosts.add("autoconfig." + s.domain());
            }
            for (String host : hosts) {
                for (InetAddress address : addresses) {
                    records.add(address instanceof Inet4Address
                            ? new DnsRecord(host + ".", "A", ttl, address.getHostAddress())
                            : new DnsRecord(host + ".", "AAAA", ttl, Ipv6Text.of(address.getAddress())));
                }
            }
        }
        records.sort(DnsRecord.ORDER);
        return List.copyOf(records);
    }

    /** RFC 7208 §4.5: "v=spf1", the mechanisms, then all. */
    static String spf(DomainSettings.Spf spf) {
        StringBuilder text = new StringBuilder("v=spf1");
        for (String mechanism : spf.mechanisms()) {
            text.append(' ').append(mechanism);
        }
        return text.append(' ').append(spf.all()).toString();
    }

    /** RFC 7489 §6.3: v and p first; tags at their default values are left out. */
    static String dmarc(DomainSettings.Dmarc d) {
        StringBuilder text = new StringBuilder("v=DMARC1; p=").append(d.policy());
        if (d.subdomainPolicy() != null) {
            text.append("; sp=").append(d.subdomainPolicy());
        }
        if (d.percentage() != 100) {
            text.append("; pct=").append(d.percentage());
        }
        if (!d.rua().isEmpty()) {
            text.append("; rua=").append(String.join(",", d.rua()));
        }
        if (!d.ruf().isEmpty()) {
            text.append("; ruf=").append(String.join(",", d.ruf()));
        }
        if (!d.adkim().equals("r")) {
            text.append("; adkim=").append(d.adkim());
        }
        if (!d.aspf().equals("r")) {
            text.append("; aspf=").append(d.aspf());
        }
        return text.toString();
    }

    private static DnsRecord srv(String name, long ttl, int priority, int port, String target) {
        return new DnsRecord(name, "SRV", ttl, priority + " 1 " + port + " " + target);
    }

    private static boolean inside(String host, String domain) {
        return host.equals(domain) || host.endsWith("." + domain);
    }
}
