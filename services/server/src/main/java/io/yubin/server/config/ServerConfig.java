package io.yubin.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.yubin.delivery.RetrySchedule;
import io.yubin.filter.spam.SpamThresholds;
import io.yubin.delivery.remote.RemoteSettings;
import io.yubin.imap.ImapLimits;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.imap.ImapServer;
import io.yubin.protocol.IpPolicy;
import io.yubin.protocol.Listening;
import io.yubin.queue.ClusterMember;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.smtp.SendingLimits;
import io.yubin.smtp.SmtpLimits;
import io.yubin.smtp.SmtpServer;
import io.yubin.store.AccountLockout;
import io.yubin.store.AddressPolicies;
import io.yubin.store.AddressPolicy;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.PasswordVerificationCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The whole server configuration, loaded once by {@link ConfigLoader}. Defaults live only in the
 * bundled {@code defaults.yaml}; these records hold values, not defaults.
 */
public record ServerConfig(
        Path dataDir,
        Admin admin,
        Smtp smtp,
        Imap imap,
        Pop3 pop3,
        Tls tls,
        PasswordPolicyConfig passwordPolicy,
        PasswordHashConfig passwordHash,
        AuthCache authCache,
        Security security,
        Cluster cluster,
        StorageConfig storage,
        Delivery delivery,
        Dns dns,
        Dkim dkim,
        SendingLimitsConfig sendingLimits,
        Shutdown shutdown,
        Mailauth mailauth,
        Virus virus,
        Spam spam,
        IpPolicies ipPolicy,
        Dnsbl dnsbl,
        AddressPolicyConfig addressPolicy,
        MtaStsHost mtaSts,
        Logging logging) {

    /** The log's form (docs/operations.md, "Logs"). */
    public enum LogFormat {
        /** JSON in a cluster, text otherwise. */
        @JsonProperty("auto")
        AUTO,
        /** One line of text per event, key-value pairs after the message. */
        @JsonProperty("text")
        TEXT,
        /** One JSON object per line (logback's JsonEncoder). */
        @JsonProperty("json")
        JSON
    }

    /** @param format the log's form on standard output */
    public record Logging(LogFormat format) {
    }

    /**
     * The trainable spam filter (docs/filtering.md, "Spam").
     *
     * @param enabled score mail from outside at SMTP and at delivery, and train on moves into and out of Junk
     * @param junkThreshold a score at or above it files the message into the user's Junk mailbox
     * @param rejectThreshold a score at or above it (for every recipient) refuses the message at SMTP;
     *     above 1: never
     * @param minTrained a model judges once it learned this many spam and this many ham messages
     * @param overrides per domain or user: {@code <domain or address> junk=<x> reject=<y>} entries
     *     separated by semicolons
     */
    public record Spam(boolean enabled, double junkThreshold, double rejectThreshold, int minTrained, String overrides,
            String dnsblZones, String uriblZones) {

        /** The client-address lists whose listing is a feature (spam.dnsbl-zones). */
        public List<String> dnsblZoneList() {
            return commaList(dnsblZones);
        }

        /** The domain lists asked about the URLs of a message (spam.uribl-zones). */
        public List<String> uriblZoneList() {
            return commaList(uriblZones);
        }

        /** @throws IllegalArgumentException naming the entry or value that is wrong */
        public SpamThresholds toThresholds() {
            SpamThresholds.Thresholds defaults = new SpamThresholds.Thresholds(junkThreshold, rejectThreshold);
            Map<String, SpamThresholds.Thresholds> byName = new LinkedHashMap<>();
            for (OverrideEntries.Entry entry : OverrideEntries.parse(overrides, true)) {
                double junk = junkThreshold;
                double reject = rejectThreshold;
                for (Map.Entry<String, String> pair : entry.values().entrySet()) {
                    double value;
                    try {
                        value = Double.parseDouble(pair.getValue());
                    } catch (NumberFormatException e) {
                        value = Double.NaN;
                    }
                    if (!(value > 0)) {
                        throw new IllegalArgumentException("\"" + pair.getKey() + "=" + pair.getValue() + "\" for "
                                + entry.given() + " is not key=x with x a number above 0");
                    }
                    switch (pair.getKey()) {
                        case "junk" -> junk = value;
                        case "reject" -> reject = value;
                        default -> throw new IllegalArgumentException("\"" + pair.getKey() + "\" for " + entry.given()
                                + " is not junk or reject");
                    }
                }
                byName.put(entry.name(), new SpamThresholds.Thresholds(junk, reject));
            }
            return new SpamThresholds(defaults, byName);
        }
    }

    /**
     * The MTA-STS policy and mail client autoconfiguration host (RFC 8461 §3.3, docs/operator.md).
     *
     * @param enabled whether the HTTPS listener runs
     * @param host the address it binds to
     * @param port its port (443 where senders connect)
     * @param policiesDirectory the files served ({@code <domain>.txt}, {@code <domain>.autoconfig.xml},
     *     {@code <domain>.autodiscover.xml}); empty for {@code <data-dir>/mta-sts}
     * @param proxyProtocol whether every connection starts with a PROXY protocol header
     */
    public record MtaStsHost(boolean enabled, String host, int port, String policiesDirectory, boolean proxyProtocol) {

        public Path policiesPath(Path dataDir) {
            return policiesDirectory.isBlank() ? dataDir.resolve("mta-sts") : Path.of(policiesDirectory);
        }
    }

    /**
     * @param host the admin API's interface
     * @param port its port
     * @param sessionMinutes how long a named administrator's session lasts (docs/admin-api.md, "Sessions")
     */
    public record Admin(String host, int port, int sessionMinutes) {
    }

    /**
     * @param hostname the name the server gives itself, empty for {@link #effectiveHostname}'s fallbacks
     * @param maxMessageSize largest message in octets (SIZE, RFC 1870)
     * @param maxRecipients most RCPT TO per message
     * @param maxConnectionsPerIp most simultaneous connections from one client address
     * @param proxyProtocol whether every connection starts with a PROXY protocol v2 header
     * @param eventLoops event loops serving each SMTP port; 0 for one per core
     * @param proxyHeaderTimeoutSeconds how long a connection may take to send its PROXY header
     * @param commandTimeoutSeconds how long the server waits for the next command
     * @param dataTimeoutSeconds how long the server waits for the next data block in DATA or BDAT
     * @param maxLineLength longest command or text line in octets, CRLF included
     * @param memoryThreshold message bodies up to this many octets are held in heap while they arrive
     */
    public record Smtp(String host, int mxPort, int submissionPort, int submissionsPort, String hostname,
            int maxMessageSize, int maxRecipients, int maxConnectionsPerIp, boolean proxyProtocol, int eventLoops,
            int proxyHeaderTimeoutSeconds, int commandTimeoutSeconds, int dataTimeoutSeconds, int maxLineLength,
            int memoryThreshold) {

        /**
         * {@code hostname}, else the TLS certificate's configured name, else {@code machineName}
         * (e.g. {@code TlsBootstrap.localHostName()}).
         */
        public String effectiveHostname(Tls tls, String machineName) {
            if (!hostname.isEmpty()) {
                return hostname;
            }
            return tls.hostname().isEmpty() ? machineName : tls.hostname();
        }

        public SmtpLimits limits() {
            return new SmtpLimits(maxMessageSize, maxRecipients, maxConnectionsPerIp, maxLineLength,
                    Duration.ofSeconds(commandTimeoutSeconds), Duration.ofSeconds(dataTimeoutSeconds), memoryThreshold);
        }

        public Listening listening() {
            return ServerConfig.listening(eventLoops, proxyHeaderTimeoutSeconds);
        }
    }

    /**
     * @param host the interface both IMAP listeners bind to
     * @param port plain IMAP with STARTTLS
     * @param tlsPort IMAP over implicit TLS
     * @param proxyProtocol expect a PROXY protocol v2 header on every connection
     * @param allowPlaintextAuth allow LOGIN and AUTHENTICATE before TLS (local testing only)
     * @param maxMessageSize the largest message APPEND takes, in octets (advertised as APPENDLIMIT)
     * @param eventLoops event loops serving each IMAP port; 0 for one per core
     * @param proxyHeaderTimeoutSeconds how long a connection may take to send its PROXY header
     * @param maxConnectionsPerIp most simultaneous connections from one client address
     * @param idleTimeoutSeconds the autologout timer: how long a client may be silent
     * @param maxLine the longest command line in octets
     * @param maxCommand the most octets a command other than APPEND may carry, literals included
     * @param maxNesting the deepest parenthesis nesting in a command
     * @param maxBadCommands BAD responses in a row after which the connection is closed
     * @param bodyThreads threads that read and stream message bodies (FETCH, APPEND, bodies for SEARCH)
     * @param searchThreads threads that evaluate SEARCH, SORT and THREAD
     * @param idleRecheckSeconds how often a session in IDLE reads the store without an event (lost events)
     */
    public record Imap(String host, int port, int tlsPort, boolean proxyProtocol, boolean allowPlaintextAuth,
            long maxMessageSize, int eventLoops, int proxyHeaderTimeoutSeconds, int maxConnectionsPerIp,
            int idleTimeoutSeconds, int maxLine, int maxCommand, int maxNesting, int maxBadCommands, int bodyThreads,
            int searchThreads, int idleRecheckSeconds) {

        public ImapLimits limits() {
            return new ImapLimits(maxLine, maxCommand, maxMessageSize, maxNesting, maxBadCommands, maxConnectionsPerIp);
        }

        public Listening listening() {
            return ServerConfig.listening(eventLoops, proxyHeaderTimeoutSeconds);
        }

        public ImapServer.Pools pools() {
            return new ImapServer.Pools(bodyThreads, searchThreads);
        }

        public Duration idleTimeout() {
            return Duration.ofSeconds(idleTimeoutSeconds);
        }

        public Duration idleRecheck() {
            return Duration.ofSeconds(idleRecheckSeconds);
        }
    }

    /**
     * @param host the interface both POP3 listeners bind to
     * @param port plain POP3 with STLS
     * @param tlsPort POP3 over implicit TLS
     * @param proxyProtocol expect a PROXY protocol v2 header on every connection
     * @param allowPlaintextAuth allow USER/PASS and AUTH before TLS (local testing only)
     * @param eventLoops event loops serving each POP3 port; 0 for one per core
     * @param proxyHeaderTimeoutSeconds how long a connection may take to send its PROXY header
     * @param maxConnectionsPerIp most simultaneous connections from one client address
     * @param idleTimeoutSeconds the autologout timer: how long a client may be silent
     * @param bodyThreads threads that read message bodies for RETR and TOP
     */
    public record Pop3(String host, int port, int tlsPort, boolean proxyProtocol, boolean allowPlaintextAuth,
            int eventLoops, int proxyHeaderTimeoutSeconds, int maxConnectionsPerIp, int idleTimeoutSeconds,
            int bodyThreads) {

        public Listening listening() {
            return ServerConfig.listening(eventLoops, proxyHeaderTimeoutSeconds);
        }

        public Duration idleTimeout() {
            return Duration.ofSeconds(idleTimeoutSeconds);
        }
    }

    /** {@code eventLoops} 0 means one per core. */
    private static Listening listening(int eventLoops, int proxyHeaderTimeoutSeconds) {
        return new Listening(eventLoops == 0 ? Listening.defaults().eventLoops() : eventLoops,
                Duration.ofSeconds(proxyHeaderTimeoutSeconds));
    }

    /**
     * @param certFile PEM certificate chain, empty for the self-signed bootstrap
     * @param keyFile PEM private key, empty for the self-signed bootstrap
     * @param hostname the self-signed certificate's name, empty for this machine's host name
     */
    public record Tls(String certFile, String keyFile, String hostname) {

        public boolean configured() {
            return !certFile.isEmpty();
        }
    }

    public record PasswordPolicyConfig(int minLength, int maxLength, boolean rejectContainingUserName) {

        public PasswordPolicy toPolicy() {
            return new PasswordPolicy(minLength, maxLength, rejectContainingUserName);
        }
    }

    public record PasswordHashConfig(int memoryKib, int iterations, int parallelism) {

        public PasswordHasher.Parameters toParameters() {
            return new PasswordHasher.Parameters(memoryKib, iterations, parallelism);
        }
    }

    /**
     * @param ttlSeconds how long a successful password verification is remembered; 0 turns the cache off
     * @param maxEntries most verifications remembered
     */
    public record AuthCache(int ttlSeconds, int maxEntries) {

        public PasswordVerificationCache.Settings toSettings() {
            return new PasswordVerificationCache.Settings(Duration.ofSeconds(ttlSeconds), maxEntries);
        }
    }

    /** Account security (docs/operations.md, "Account lockout"). */
    public record Security(Lockout lockout) {
    }

    /**
     * @param failures failed logins of one account that lock it
     * @param windowSeconds the time those failures must fall within
     * @param durationSeconds how long the account stays locked
     */
    public record Lockout(int failures, int windowSeconds, int durationSeconds) {

        public AccountLockout.Policy toPolicy() {
            return new AccountLockout.Policy(failures, Duration.ofSeconds(windowSeconds),
                    Duration.ofSeconds(durationSeconds));
        }
    }

    /**
     * This process's Hazelcast member (docs/scaling.md, issue 16 item 1).
     *
     * @param enabled join other Yubin processes; false runs one member alone on loopback
     * @param name members only join members with the same name
     * @param bindAddress the address the member binds to when {@code enabled} (a pod's IP), never a wildcard
     * @param port the member port; 0 takes the first free one from 5701 on
     * @param members {@code host:port} of the members, separated by commas (static discovery)
     * @param kubernetes discovery through a headless Service's DNS records
     */
    public record Cluster(boolean enabled, String name, String bindAddress, int port, String members,
            Kubernetes kubernetes) {

        /** The {@code members} list, split and trimmed; empty when none are given. */
        public List<String> memberList() {
            return commaList(members);
        }

        /** The member these settings describe: alone on loopback unless {@code enabled}. */
        public ClusterMember.Options toOptions() {
            if (!enabled) {
                return ClusterMember.Options.embedded(name, port);
            }
            ClusterMember.Options options = new ClusterMember.Options(name, bindAddress, port);
            return kubernetes.serviceDns().isBlank() ? options.joining(memberList())
                    : options.discoveringByKubernetesDns(kubernetes.serviceDns());
        }
    }

    /** @param serviceDns the headless Service's DNS name, e.g. {@code yubin-hazelcast.mail.svc.cluster.local} */
    public record Kubernetes(String serviceDns) {
    }

    /**
     * @param workers delivery threads in this process
     * @param leaseTtlSeconds how long a taken entry stays leased unless renewed: how soon another
     *     member delivers what a dead member had taken
     * @param sweepIntervalSeconds the pause between sweeps of the Spool for due, unheld entries
     * @param delayWarningSeconds how long after arrival a recipient still deferred is reported to the
     *     sender once (RFC 3464 Action: delayed); 0 for never
     * @param retry when deferred remote recipients are tried again, and given up
     * @param remote delivery to other servers
     */
    public record Delivery(int workers, int leaseTtlSeconds, int sweepIntervalSeconds, int delayWarningSeconds,
            Retry retry, Remote remote, boolean srs) {

        public Duration delayWarning() {
            return Duration.ofSeconds(delayWarningSeconds);
        }

        public Duration leaseTtl() {
            return Duration.ofSeconds(leaseTtlSeconds);
        }

        public Duration sweepInterval() {
            return Duration.ofSeconds(sweepIntervalSeconds);
        }
    }

    /** The retry schedule of remote delivery, in seconds. */
    public record Retry(int firstSeconds, int maxSeconds, int giveUpSeconds) {

        public RetrySchedule toSchedule() {
            return new RetrySchedule(Duration.ofSeconds(firstSeconds), Duration.ofSeconds(maxSeconds),
                    Duration.ofSeconds(giveUpSeconds));
        }
    }

    /**
     * @param enabled whether remote recipients are sent at all
     * @param ehloName the EHLO name; empty for the SMTP host name
     * @param sourceAddress the local address to connect from; empty for the system's choice
     * @param port the remote servers' port
     * @param connectTimeoutSeconds the TCP connection
     * @param commandTimeoutSeconds the greeting and each command's reply
     * @param attemptTimeoutSeconds one delivery run of a spool entry
     * @param maxConnectionsPerDomain SMTP sessions to one recipient domain at once, in this process; 0 for no limit
     * @param maxMessagesPerConnection messages one SMTP session carries at most; 1 for a session per message
     * @param connectionIdleSeconds how long a session is kept open for a next message; 0 for not at all
     * @param mtaSts the recipient domains' MTA-STS policies (RFC 8461)
     * @param dane DANE for SMTP (RFC 7672)
     */
    public record Remote(boolean enabled, String ehloName, String sourceAddress, int port, int connectTimeoutSeconds,
            int commandTimeoutSeconds, int attemptTimeoutSeconds, int maxConnectionsPerDomain,
            int maxMessagesPerConnection, int connectionIdleSeconds, MtaSts mtaSts, Dane dane, TlsReports tlsReports) {

        public RemoteSettings toSettings(String defaultEhloName) {
            RemoteSettings.Timeouts rfc = RemoteSettings.Timeouts.RFC_5321;
            RemoteSettings settings = RemoteSettings.defaults(ehloName.isBlank() ? defaultEhloName : ehloName)
                    .withPort(port)
                    .withTimeouts(new RemoteSettings.Timeouts(Duration.ofSeconds(connectTimeoutSeconds),
                            Duration.ofSeconds(commandTimeoutSeconds), Duration.ofSeconds(commandTimeoutSeconds),
                            rfc.dataInit(), rfc.dataBlock(), rfc.dataTermination(),
                            // three quarters of the attempt: MX, MTA-STS and the per-domain wait come first
                            Duration.ofSeconds(attemptTimeoutSeconds).multipliedBy(3).dividedBy(4)));
            settings = settings.withReuse(new RemoteSettings.Reuse(maxMessagesPerConnection,
                    Duration.ofSeconds(connectionIdleSeconds)));
            return sourceAddress.isBlank() ? settings : settings.withSourceAddress(sourceAddress);
        }

        public Duration attemptTimeout() {
            return Duration.ofSeconds(attemptTimeoutSeconds);
        }
    }

    /**
     * Outbound MTA-STS (docs/outbound.md).
     *
     * @param enabled whether recipient domains' policies are looked up and applied
     * @param extraCaFile PEM CA certificates trusted besides the JDK's anchors, for the policy's HTTPS
     *     server and the MX certificates; empty for the JDK's alone
     * @param policyPort the HTTPS port of {@code mta-sts.<domain>}: 443, another value only for tests
     * @param fetchTimeoutSeconds the policy fetch, connection to end of body
     */
    public record MtaSts(boolean enabled, String extraCaFile, int policyPort, int fetchTimeoutSeconds) {

        /** The extra CA file, or null. */
        public Path extraCaPath() {
            return extraCaFile.isBlank() ? null : Path.of(extraCaFile);
        }

        public Duration fetchTimeout() {
            return Duration.ofSeconds(fetchTimeoutSeconds);
        }
    }

    /**
     * TLS reports (RFC 8460, docs/outbound.md): what this member's outbound TLS sessions met, per
     * recipient domain and day, sent to the domains that ask for it.
     *
     * @param enabled count sessions and send the daily reports
     * @param organization the reports' organization-name; empty for the SMTP hostname
     * @param contact the reports' contact-info; empty for {@code mailto:postmaster@<submitter>}
     * @param submitter the reporting domain (TLS-Report-Submitter; its DKIM keys sign the reports); empty
     *     for the SMTP hostname
     * @param from the address reports are sent from; empty for {@code noreply-tls-reports@<submitter>}
     */
    public record TlsReports(boolean enabled, String organization, String contact, String submitter, String from) {

        public String effectiveSubmitter(String hostname) {
            return submitter.isBlank() ? hostname : submitter;
        }

        public String effectiveOrganization(String hostname) {
            return organization.isBlank() ? hostname : organization;
        }

        public String effectiveContact(String hostname) {
            return contact.isBlank() ? "mailto:postmaster@" + effectiveSubmitter(hostname) : contact;
        }

        public String effectiveFrom(String hostname) {
            return from.isBlank() ? "noreply-tls-reports@" + effectiveSubmitter(hostname) : from;
        }
    }

    /**
     * Outbound DANE (docs/outbound.md).
     *
     * @param enabled whether MX hosts' TLSA records are looked up and enforced; they count only when
     *     DNSSEC proves them, so this needs {@code dns.dnssec-validation}
     */
    public record Dane(boolean enabled) {
    }

    /**
     * Authentication of mail arriving on the MX port (docs/mailauth.md).
     *
     * @param enabled check SPF, DKIM and DMARC, prepend Authentication-Results, apply DMARC policies
     * @param authservId the authserv-id of our Authentication-Results fields; empty for the SMTP hostname
     * @param messageTimeLimitSeconds DKIM and DMARC of one message, from the end of its data
     * @param spfTimeLimitSeconds one SPF check, includes and redirects included
     * @param dnsLookupTimeoutSeconds one DKIM key or DMARC record lookup
     * @param publicSuffixList the Public Suffix List file DMARC finds Organizational Domains with
     */
    public record Mailauth(boolean enabled, String authservId, int messageTimeLimitSeconds, int spfTimeLimitSeconds,
            int dnsLookupTimeoutSeconds, String publicSuffixList) {

        /** {@code authservId}, else {@code hostname}. */
        public String effectiveAuthservId(String hostname) {
            return authservId.isBlank() ? hostname : authservId;
        }

        public Duration messageTimeLimit() {
            return Duration.ofSeconds(messageTimeLimitSeconds);
        }

        public Duration spfTimeLimit() {
            return Duration.ofSeconds(spfTimeLimitSeconds);
        }

        public Duration dnsLookupTimeout() {
            return Duration.ofSeconds(dnsLookupTimeoutSeconds);
        }
    }

    /**
     * Virus scanning by clamd (docs/filtering.md, "Viruses").
     *
     * @param clamd {@code host:port}, empty for no scanning
     * @param failOpen accept (tagged) rather than refuse for now when clamd cannot answer
     * @param maxSize larger messages are not scanned
     */
    public record Virus(String clamd, boolean failOpen, int timeoutSeconds, long maxSize) {

        public boolean enabled() {
            return !clamd.isBlank();
        }

        /** clamd's address; a ConfigException when it is not {@code host:port}. */
        public InetSocketAddress clamdAddress() {
            String s = clamd.strip();
            int colon = s.lastIndexOf(':');
            String host = colon > 0 ? s.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                port = -1;
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new ConfigException("virus.clamd must be host:port (clamd's TCPAddr and TCPSocket), not \""
                        + clamd + "\"");
            }
            return InetSocketAddress.createUnresolved(host, port);
        }

        public Duration timeout() {
            return Duration.ofSeconds(timeoutSeconds);
        }
    }

    /**
     * @param servers DNS servers, {@code host} or {@code host:port} separated by commas; empty for /etc/resolv.conf
     * @param dnssecValidation validate every answer (RFC 4035); a bogus one is a temporary failure
     * @param trustAnchorsFile DS or DNSKEY records in zone-file form; empty for the root zone's keys
     */
    public record Dns(String servers, boolean dnssecValidation, String trustAnchorsFile) {

        /** The trust anchors' text, or null without validation. Reads the file: at start only. */
        public String trustAnchors() {
            if (!dnssecValidation) {
                return null;
            }
            if (trustAnchorsFile.isBlank()) {
                return DnsSettings.ROOT_TRUST_ANCHORS;
            }
            try {
                return Files.readString(Path.of(trustAnchorsFile), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + trustAnchorsFile + ": " + e.getMessage(), e);
            }
        }

        /** The servers as socket addresses (port 53 unless given); empty for the system's. */
        public List<InetSocketAddress> serverAddresses() {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (String server : servers.split(",")) {
                String s = server.strip();
                if (s.isEmpty()) {
                    continue;
                }
                String host = s;
                int port = 53;
                if (s.startsWith("[")) {
                    int close = s.indexOf(']');
                    host = s.substring(1, close);
                    if (s.length() > close + 1 && s.charAt(close + 1) == ':') {
                        port = Integer.parseInt(s.substring(close + 2));
                    }
                } else if (s.chars().filter(c -> c == ':').count() == 1) {
                    host = s.substring(0, s.indexOf(':'));
                    port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
                }
                addresses.add(new InetSocketAddress(host, port));
            }
            return List.copyOf(addresses);
        }
    }

    /**
     * DKIM signing at submission (docs/outbound.md).
     *
     * @param keysDirectory the signing keys, {@code <domain>/<selector>.key} (PKCS#8 PEM); empty for
     *     {@code <data-dir>/dkim}
     */
    public record Dkim(String keysDirectory) {

        /** The directory, {@code dataDir/dkim} when none is configured. */
        public Path keysPath(Path dataDir) {
            return keysDirectory.isBlank() ? dataDir.resolve("dkim") : Path.of(keysDirectory);
        }
    }

    /**
     * What an authenticated user may send (docs/outbound.md, "Sending limits"); 0 is no limit.
     *
     * @param overrides per domain or user: {@code <domain or address> <key>=<n> ...} entries separated
     *     by semicolons, e.g. {@code example.org messages-per-hour=1000; alice@example.org recipients-per-day=0};
     *     a key not given keeps the default, a user's entry wins over its domain's
     */
    public record SendingLimitsConfig(int messagesPerHour, int recipientsPerMessage, int recipientsPerDay,
            String overrides) {

        /** The limits, counted against {@code clock} in this process. */
        public SendingLimits toLimits(Clock clock) {
            return new SendingLimits(defaults(), overrideMap(), clock);
        }

        /** The limits, counted against {@code clock} over every member sharing {@code events}. */
        public SendingLimits toLimits(Clock clock, io.yubin.queue.SendingEvents events) {
            return new SendingLimits(defaults(), overrideMap(), clock, events);
        }

        private SendingLimits.Limits defaults() {
            return new SendingLimits.Limits(messagesPerHour, recipientsPerMessage, recipientsPerDay);
        }

        /**
         * The overrides by lower-case address or A-label domain.
         *
         * @throws IllegalArgumentException naming the entry that is wrong
         */
        public Map<String, SendingLimits.Limits> overrideMap() {
            Map<String, SendingLimits.Limits> map = new LinkedHashMap<>();
            for (OverrideEntries.Entry entry : OverrideEntries.parse(overrides, true)) {
                int perHour = messagesPerHour;
                int perMessage = recipientsPerMessage;
                int perDay = recipientsPerDay;
                for (Map.Entry<String, String> pair : entry.values().entrySet()) {
                    int value;
                    try {
                        value = Integer.parseInt(pair.getValue());
                    } catch (NumberFormatException e) {
                        value = -1;
                    }
                    if (value < 0) {
                        throw new IllegalArgumentException("\"" + pair.getKey() + "=" + pair.getValue() + "\" for "
                                + entry.given() + " is not key=n with n a whole number, 0 for no limit");
                    }
                    switch (pair.getKey()) {
                        case "messages-per-hour" -> perHour = value;
                        case "recipients-per-message" -> perMessage = value;
                        case "recipients-per-day" -> perDay = value;
                        default -> throw new IllegalArgumentException("\"" + pair.getKey() + "\" for " + entry.given()
                                + " is not messages-per-hour, recipients-per-message or recipients-per-day");
                    }
                }
                map.put(entry.name(), new SendingLimits.Limits(perHour, perMessage, perDay));
            }
            return map;
        }
    }

    /** Which client addresses may connect to each listener ({@code ip-policy}). */
    public record IpPolicies(IpLists smtpMx, IpLists smtpSubmission, IpLists smtpSubmissions, IpLists imap,
            IpLists pop3, IpLists admin) {

        /** The SMTP listeners' policies. */
        public Map<SmtpServer.Mode, IpPolicy> smtp() {
            return Map.of(SmtpServer.Mode.MX, smtpMx.toPolicy(), SmtpServer.Mode.SUBMISSION, smtpSubmission.toPolicy(),
                    SmtpServer.Mode.SUBMISSIONS, smtpSubmissions.toPolicy());
        }
    }

    /**
     * @param allow CIDR ranges or addresses separated by commas; empty for every address
     * @param deny likewise; empty for none
     */
    public record IpLists(String allow, String deny) {

        /** @throws IllegalArgumentException naming an entry that is not an address or range */
        public IpPolicy toPolicy() {
            return IpPolicy.parse(allow, deny);
        }
    }

    /** @param zones DNS blocklist zones asked at SMTP MX connect, separated by commas; empty for none */
    public record Dnsbl(String zones) {

        public List<String> zoneList() {
            return commaList(zones);
        }
    }

    /**
     * The domains' address format ({@code address-policy}).
     *
     * @param allowedCharacters characters and ranges of a new local part; empty for any
     * @param maxLocalPartLength the longest new local part
     * @param reserved local parts nobody may create, separated by commas
     * @param plusSeparator the plus-addressing separator; empty for off
     * @param roleRecipient where postmaster@ and abuse@ go when a domain has neither; empty for nowhere
     * @param overrides per domain: {@code <domain> <key>=<value> ...} entries separated by semicolons
     */
    public record AddressPolicyConfig(String allowedCharacters, int maxLocalPartLength, String reserved,
            String plusSeparator, String roleRecipient, String overrides) {

        /** @throws IllegalArgumentException naming the key or entry that is wrong */
        public AddressPolicies toPolicies() {
            AddressPolicy defaults = new AddressPolicy(allowedCharacters, maxLocalPartLength, list(reserved),
                    plusSeparator);
            Map<String, AddressPolicy> byDomain = new LinkedHashMap<>();
            for (OverrideEntries.Entry entry : OverrideEntries.parse(overrides, false)) {
                String domain = entry.name();
                String chars = defaults.allowedCharacters();
                int max = defaults.maxLength();
                Set<String> names = defaults.reserved();
                String separator = defaults.separator();
                for (Map.Entry<String, String> pair : entry.values().entrySet()) {
                    switch (pair.getKey()) {
                        case "allowed-characters" -> chars = pair.getValue();
                        case "max-local-part-length" -> {
                            try {
                                max = Integer.parseInt(pair.getValue());
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("\"" + pair.getKey() + "=" + pair.getValue()
                                        + "\" for " + entry.given() + ": not a whole number");
                            }
                        }
                        case "reserved" -> names = list(pair.getValue());
                        case "plus-separator" -> separator = pair.getValue();
                        default -> throw new IllegalArgumentException("\"" + pair.getKey() + "\" for " + entry.given()
                                + " is not allowed-characters, max-local-part-length, reserved or plus-separator");
                    }
                }
                try {
                    byDomain.put(domain, new AddressPolicy(chars, max, names, separator));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(entry.given() + ": " + e.getMessage(), e);
                }
            }
            MailAddress role;
            try {
                role = roleRecipient.isBlank() ? null : MailAddress.parse(roleRecipient.strip());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("role-recipient \"" + roleRecipient + "\" is not an address");
            }
            return new AddressPolicies(defaults, byDomain, role);
        }

        private static Set<String> list(String names) {
            return Set.copyOf(commaList(names));
        }
    }

    /** @param graceSeconds how long open sessions may go on after a SIGTERM before they are ended */
    public record Shutdown(int graceSeconds) {

        public Duration grace() {
            return Duration.ofSeconds(graceSeconds);
        }
    }

    public enum StorageBackend {
        /** SQLite and files under data-dir, one Hazelcast member. */
        @JsonProperty("embedded")
        EMBEDDED,
        /** Apache Cassandra (storage.cassandra); bodies in files or S3 as storage.blobs says. */
        @JsonProperty("cassandra")
        CASSANDRA
    }

    /** Where message bodies are kept. */
    public enum BlobBackend {
        /** Files under data-dir/blobs. */
        @JsonProperty("files")
        FILES,
        /** An S3-compatible object store. */
        @JsonProperty("s3")
        S3
    }

    /**
     * @param backend where metadata is kept
     * @param blobs where message bodies are kept
     * @param s3 the object store, when {@code blobs} is s3
     * @param cassandra the cluster, when {@code backend} is cassandra
     */
    public record StorageConfig(StorageBackend backend, BlobBackend blobs, S3 s3, Cassandra cassandra) {
    }

    /**
     * @param contactPoints some nodes, {@code host:port} separated by commas
     * @param localDatacenter the data centre this server runs in
     * @param keyspace Yubin's keyspace
     * @param consistency reads and writes, e.g. LOCAL_QUORUM
     * @param serialConsistency lightweight transactions, e.g. LOCAL_SERIAL
     * @param replication the keyspace's replication map in CQL, used when the keyspace is created
     * @param username empty for no authentication
     * @param password with username
     * @param requestTimeoutMs how long one request may take
     * @param migrateOnStart create the keyspace and apply schema migrations at start
     */
    public record Cassandra(String contactPoints, String localDatacenter, String keyspace, String consistency,
            String serialConsistency, String replication, String username, String password, int requestTimeoutMs,
            boolean migrateOnStart) {

        @Override
        public String toString() {
            return "Cassandra[" + contactPoints + ", " + localDatacenter + ", " + keyspace + "]";
        }
    }

    /**
     * @param endpoint e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000
     * @param region the region, e.g. us-east-1
     * @param bucket the bucket
     * @param accessKey empty: AWS_ACCESS_KEY_ID from the environment
     * @param secretKey empty: AWS_SECRET_ACCESS_KEY from the environment
     * @param pathStyle path-style (true) or virtual-host-style (false) requests
     * @param createBucket create the bucket at start when it is missing
     */
    public record S3(String endpoint, String region, String bucket, String accessKey, String secretKey,
            boolean pathStyle, boolean createBucket) {

        @Override
        public String toString() {
            return "S3[" + endpoint + ", " + region + ", " + bucket + "]";
        }
    }

    /** A value of items separated by commas, each trimmed; empty items left out. */
    static List<String> commaList(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(item -> !item.isEmpty()).toList();
    }
}
