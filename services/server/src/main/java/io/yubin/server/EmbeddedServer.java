package io.yubin.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.yubin.delivery.ArcForwarding;
import io.yubin.delivery.DeliveryWorkers;
import io.yubin.delivery.QueueAge;
import io.yubin.delivery.QuotaWarnings;
import io.yubin.delivery.DmarcQuarantine;
import io.yubin.delivery.DsnSpooler;
import io.yubin.delivery.LocalDelivery;
import io.yubin.delivery.Quarantine;
import io.yubin.delivery.RemoteSender;
import io.yubin.delivery.SpamQuarantine;
import io.yubin.delivery.SpoolSweep;
import io.yubin.delivery.dane.DaneLookup;
import io.yubin.delivery.mtasts.MtaStsPolicies;
import io.yubin.delivery.mtasts.MtaStsTrust;
import io.yubin.delivery.mtasts.PolicyFetcher;
import io.yubin.delivery.remote.AddressOrder;
import io.yubin.delivery.remote.DomainConnections;
import io.yubin.delivery.remote.MxResolver;
import io.yubin.delivery.remote.RemoteDelivery;
import io.yubin.delivery.remote.SmtpClient;
import io.yubin.delivery.tlsrpt.TlsReporter;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.yubin.filter.spam.SpamClassifier;
import io.yubin.filter.spam.SpamFilter;
import io.yubin.filter.spam.SpamThresholds;
import io.yubin.filter.spam.SpamTraining;
import io.yubin.imap.ImapServer;
import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.mailauth.dkim.ArcSealer;
import io.yubin.mailauth.dkim.ArcVerifier;
import io.yubin.mailauth.dkim.DkimKeyDirectory;
import io.yubin.mailauth.dkim.DkimSigner;
import io.yubin.mailauth.dkim.DkimVerifier;
import io.yubin.mailauth.dkim.DnsKeyLookup;
import io.yubin.mailauth.dmarc.DmarcVerifier;
import io.yubin.mailauth.dmarc.OrganizationalDomains;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.mailauth.spf.SpfVerifier;
import io.yubin.mailauth.virus.ClamdScanner;
import io.yubin.model.MailAddress;
import io.yubin.pop3.Pop3Server;
import io.yubin.protocol.ListenerSet;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.DeliveryQueue;
import io.yubin.queue.HazelcastDeliveryCoordination;
import io.yubin.queue.HazelcastDeliveryQueue;
import io.yubin.queue.HazelcastMailboxEvents;
import io.yubin.queue.HazelcastMaildropLocks;
import io.yubin.queue.HazelcastSendingEvents;
import io.yubin.queue.MailboxEvents;
import io.yubin.queue.PartitionRoutedMailboxStore;
import io.yubin.server.config.ConfigException;
import io.yubin.server.config.ServerConfig;
import io.yubin.server.tls.TlsBootstrap;
import io.yubin.server.tls.TlsFiles;
import io.yubin.smtp.DnsBlocklists;
import io.yubin.smtp.SendingLimits;
import io.yubin.smtp.SmtpServer;
import io.yubin.smtp.SpamChecking;
import io.yubin.smtp.SpamLists;
import io.yubin.smtp.SubmissionSigner;
import io.yubin.smtp.VirusScanning;
import io.yubin.store.Accounts;
import io.yubin.store.AdminAccounts;
import io.yubin.store.BlobCollector;
import io.yubin.store.AccountLockout;
import io.yubin.store.Srs;
import io.yubin.store.AccountLocks;
import io.yubin.store.LoginThrottle;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordVerificationCache;
import io.yubin.store.Storage;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.store.embedded.FileOrphanSweeper;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3OrphanSweeper;
import io.yubin.web.AdminServer;
import io.yubin.web.Metrics;
import io.yubin.web.DomainWebServer;
import io.yubin.web.ReadinessCheck;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded deployment in one process, started in this order: storage under data-dir, one
 * Hazelcast member (alone, or one of a cluster with {@code cluster.enabled}), the delivery queue,
 * leases and mailbox events on it, the delivery workers, the spool sweep (which also recovers
 * unfinished spool entries at start), Vert.x and the admin API. {@link #close()} first drains
 * ({@link #drain}: readiness goes false, the listeners stop accepting, open sessions get
 * {@code shutdown.grace-seconds} to finish and the delivery workers stop taking work), then stops
 * everything in reverse start order, each within a bound; the Hazelcast member leaves after
 * everything that uses it.
 */
public final class EmbeddedServer implements AutoCloseable {

    /** How often the gauge of the oldest waiting message is read again. */
    private static final java.time.Duration QUEUE_AGE_REFRESH = java.time.Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServer.class);
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final long STOP_TIMEOUT_SECONDS = 10;
    /** Within {@link #STOP_TIMEOUT_SECONDS}, so in-flight deliveries end before the store closes. */
    private static final Duration DELIVERY_STOP_TIMEOUT = Duration.ofSeconds(8);
    /** With delivery.remote.enabled false: how long a remote recipient waits between looks. */
    private static final Duration REMOTE_RETRY = Duration.ofHours(1);
    /** How long a remote delivery waits for one of its domain's sessions to end, at the per-domain limit. */
    private static final Duration DOMAIN_CONNECTION_WAIT = Duration.ofSeconds(30);
    /** How long a member uses a spam model before it reads it again (others' training shows up). */
    private static final Duration SPAM_MODEL_CACHE = Duration.ofSeconds(60);
    /** The memory for the spam models a member keeps (the global one at its largest takes 64 MiB). */
    private static final long SPAM_MODEL_CACHE_BYTES = 128L << 20;
    /** How often a member looks for a finished day to send TLS reports of. */
    private static final Duration TLS_REPORT_CHECK = Duration.ofMinutes(10);

    /** One named step of the shutdown. */
    private record Stop(String what, ThrowingRunnable action) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A readiness check from a name and a probe. */
    private record Check(String name, Supplier<CompletionStage<Void>> probe) implements ReadinessCheck {
        @Override
        public CompletionStage<Void> check() {
            return probe.get();
        }
    }

    private static final Duration BLOB_COLLECT_INTERVAL = Duration.ofMinutes(1);
    private static final Duration ORPHAN_SWEEP_INTERVAL = Duration.ofHours(1);

    private final Deque<Stop> stops = new ArrayDeque<>();
    private ServerConfig config;
    private TlsFiles tls;
    private Storage storage;
    private Accounts accounts;
    /** The Sender Rewriting Scheme of forwarded copies; null with delivery.srs false. */
    private Srs srs;
    private DeliveryQueue deliveryQueue;
    private MailboxEvents mailboxEvents;
    private int mtaStsPort;
    private Vertx vertx;
    private AdminServer admin;
    private SmtpServer smtp;
    private ImapServer imap;
    private Pop3Server pop3;
    private DeliveryWorkers workers;
    /** Reads messages for DKIM and quarantine; null when mail authentication is off. */
    private ExecutorService mailauthThreads;
    /** Tokenizing, scoring and training of the spam filter; null when it is off. */
    private ExecutorService spamThreads;
    /** Set when the shutdown begins: /health/ready reports not ready from then on. */
    private volatile boolean stopping;
    private boolean closed;

    private EmbeddedServer() {
    }

    /** Starts everything, or stops what had started and throws. */
    public static EmbeddedServer start(ServerConfig config) throws Exception {
        EmbeddedServer server = new EmbeddedServer();
        try {
            server.startAll(config);
            return server;
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    private void startAll(ServerConfig config) throws Exception {
        this.config = config;
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        FilePermissions.createPrivateDirectories(dataDir);
        String token = AdminToken.loadOrCreate(dataDir);
        // The key of forwarded copies' SRS addresses: from the admin token, which every member shares.
        srs = config.delivery().srs() ? new Srs(Srs.keyFrom(token), Clock.systemUTC()) : null;
        tls = TlsBootstrap.prepare(config.tls(), dataDir);

        Metrics metrics = new Metrics();
        stops.push(new Stop("metrics", metrics::close));
        StorageWiring.Opened opened = StorageWiring.open(config.storage(), dataDir, metrics.registry());
        Storage storage = TimedStorage.timed(opened.storage(), metrics.registry());
        S3BlobStore s3 = opened.s3();
        this.storage = storage;
        stops.push(new Stop("storage", storage::close));
        BlobMaintenance maintenance = new BlobMaintenance(new BlobCollector(storage.blobReferences(), storage.blobs()),
                orphanSweep(storage, s3));
        maintenance.start(BLOB_COLLECT_INTERVAL, ORPHAN_SWEEP_INTERVAL);
        stops.push(new Stop("blob maintenance", maintenance::close));
        accounts = new Accounts(storage.directory(), storage.mailboxes(),
                new PasswordHasher(config.passwordHash().toParameters()), config.passwordPolicy().toPolicy(),
                new AccountLockout(storage.accountLocks(), config.security().lockout().toPolicy(), Clock.systemUTC(),
                        lockoutMetrics(metrics.registry())),
                new LoginThrottle(LoginThrottle.Policy.CLIENT_IP),
                new PasswordVerificationCache(config.authCache().toSettings()),
                config.addressPolicy().toPolicies().withSrs(srs));
        stops.push(new Stop("accounts", accounts::close));
        // postmaster@ and abuse@ of every domain with users reach someone (RFC 5321 §4.5.1, RFC 2142).
        accounts.ensureRoleAddresses().whenComplete((added, e) -> {
            if (e != null) {
                LOG.warn("could not check the domains' postmaster and abuse addresses: {}", e.toString());
            }
        });
        // Named administrators' failed logins count under admin:NAME with the users' lockout policy.
        AdminAccounts admins = new AdminAccounts(storage.administrators(),
                new AccountLockout(storage.accountLocks(), config.security().lockout().toPolicy(), Clock.systemUTC(),
                        lockoutMetrics(metrics.registry())),
                new PasswordHasher(config.passwordHash().toParameters()), config.passwordPolicy().toPolicy(),
                Duration.ofMinutes(config.admin().sessionMinutes()), Clock.systemUTC());
        stops.push(new Stop("administrators", admins::close));

        ClusterMember.Options clusterOptions = config.cluster().toOptions();
        ClusterMember cluster = listening("cluster.port", clusterOptions.bindAddress(), clusterOptions.port(),
                () -> ClusterMember.startEmbedded(clusterOptions));
        stops.push(new Stop("Hazelcast member", cluster::close));
        deliveryQueue = new HazelcastDeliveryQueue(cluster.instance());
        stops.push(new Stop("delivery queue", deliveryQueue::close));
        mailboxEvents = new HazelcastMailboxEvents(cluster.instance());
        stops.push(new Stop("mailbox events", mailboxEvents::close));
        HazelcastSendingEvents sendingEvents = new HazelcastSendingEvents(cluster.instance());
        stops.push(new Stop("sending events", sendingEvents::close));

        Clock clock = Clock.systemUTC();
        HazelcastDeliveryCoordination coordination = new HazelcastDeliveryCoordination(cluster.instance());
        // Changes to a mailbox run on the member owning the mailbox's partition: one writer per mailbox
        // in the cluster, so fenced retries stay rare (docs/scaling.md, "UIDs across members"). Alone,
        // that is always this member.
        PartitionRoutedMailboxStore routedMailboxes = new PartitionRoutedMailboxStore(cluster.instance(),
                storage.mailboxes());
        stops.push(new Stop("mailbox write routing", routedMailboxes::close));
        // IMAP and POP3 change mailboxes through the owner too (STORE, EXPUNGE, APPEND, COPY, MOVE,
        // the \Recent claim, POP3 deletions): a client on this member and deliveries elsewhere would
        // otherwise contend on the fence.
        Storage routedStorage = new Storage(storage.directory(), routedMailboxes, storage.spool(),
                storage.blobReferences(), storage.blobs(), storage.spamModels(), storage.accountLocks(), storage.administrators(), () -> { });
        // Before delivery: remote delivery's SMTP client runs on it. The builder, not VertxOptions
        // alone: Vert.x 5 takes the metrics registry through withMetrics.
        Vertx vertx = metrics.vertxBuilder(new VertxOptions()).build();
        this.vertx = vertx;
        stops.push(new Stop("Vert.x", () -> await(vertx.close())));

        ServerConfig.Remote remoteConfig = config.delivery().remote();
        List<String> blocklistZones = config.dnsbl().zoneList();
        boolean spamLists = config.spam().enabled()
                && !(config.spam().dnsblZoneList().isEmpty() && config.spam().uriblZoneList().isEmpty());
        StubResolver dns = remoteConfig.enabled() || config.mailauth().enabled() || !blocklistZones.isEmpty() || spamLists
                ? dns(clock) : null;
        InboundAuthenticator authenticator = config.mailauth().enabled() ? authenticator(dns, clock) : null;
        LocalDelivery delivery = remoteConfig.enabled()
                ? new LocalDelivery(storage.spool(), routedMailboxes, accounts.resolver(), mailboxEvents, clock,
                        outbound(vertx, storage, clock, dns, dataDir,
                                cluster.instance().getCluster().getLocalMember().getUuid().toString().substring(0, 8)))
                : new LocalDelivery(storage.spool(), routedMailboxes, accounts.resolver(), mailboxEvents, clock,
                        REMOTE_RETRY);
        SpamFilter spamFilter = config.spam().enabled() ? spamFilter(storage, clock) : null;
        Quarantine quarantine = authenticator == null ? Quarantine.NEVER
                : new DmarcQuarantine(storage.blobs(), authenticator.settings().authservId(), mailauthThreads);
        SpamThresholds spamThresholds = config.spam().toThresholds();
        if (spamFilter != null) {
            quarantine = quarantine.or(new SpamQuarantine(spamFilter, spamThresholds, storage.blobs(), spamThreads));
            SpamTraining training = new SpamTraining(mailboxEvents, storage.mailboxes(), storage.blobs(), spamFilter,
                    spamThreads);
            accounts.onUserRemoval(user -> storage.spamModels().delete(user.canonical()));
            stops.push(new Stop("spam training", training::close));
        }
        delivery = delivery.withQuarantine(quarantine).withQuotas(accounts.quotas(), new QuotaWarnings(accounts.quotas(),
                routedMailboxes, storage.blobs(), mailboxEvents, smtpHostname(), clock));
        DeliveryWorkers.Options defaults = DeliveryWorkers.Options.of(config.delivery().workers());
        DeliveryWorkers workers = DeliveryWorkers.start(deliveryQueue, delivery, coordination, metrics.registry(),
                new DeliveryWorkers.Options(defaults.threads(), DELIVERY_STOP_TIMEOUT,
                        remoteConfig.enabled() ? remoteConfig.attemptTimeout() : defaults.attemptTimeout(),
                        defaults.retryMin(), defaults.retryMax(), config.delivery().leaseTtl()));
        stops.push(new Stop("delivery workers", workers::stop));
        this.workers = workers;
        QueueAge queueAge = new QueueAge(storage.spool(), clock, metrics.registry());
        queueAge.refresh();
        long queueAgeTimer = vertx.setPeriodic(QUEUE_AGE_REFRESH.toMillis(), id -> queueAge.refresh()
                .whenComplete((age, failure) -> {
                    if (failure != null) {
                        LOG.debug("the queue's age could not be read: {}", failure.toString());
                    }
                }));
        stops.push(new Stop("queue age", () -> vertx.cancelTimer(queueAgeTimer)));
        // Recovery at start, deferred retries and a dead member's entries, on the oldest member.
        SpoolSweep sweep = new SpoolSweep(storage.spool(), deliveryQueue, coordination, clock,
                SpoolSweep.Options.every(config.delivery().sweepInterval())).start();
        stops.push(new Stop("spool sweep", sweep::close));

        ServerConfig.Smtp smtpConfig = config.smtp();
        // Counted over the cluster: what a user sends through any member counts on every member.
        SendingLimits sendingLimits = config.sendingLimits().toLimits(clock, sendingEvents);
        stops.push(new Stop("sending limits", sendingLimits::close));
        SmtpServer smtp = await(SmtpServer.start(vertx, new SmtpServer.Options(smtpHostname(), smtpConfig.host(),
                smtpConfig.mxPort(), smtpConfig.submissionPort(), smtpConfig.submissionsPort(), tls.pemKeyCertOptions(),
                smtpConfig.proxyProtocol(), smtpConfig.limits(), smtpConfig.listening(), config.ipPolicy().smtp()),
                storage, accounts, deliveryQueue, authenticator, dkimSigner(dataDir, clock),
                sendingLimits, blocklists(dns, blocklistZones), virusScanning(),
                spamFilter == null ? null : new SpamChecking(spamFilter, spamThresholds, spamThreads,
                        spamLists ? spamLists(dns) : null)));
        stops.push(new Stop("SMTP", () -> await(smtp.close())));
        this.smtp = smtp;
        LOG.info("SMTP listening on {}: MX {}, submission {} (STARTTLS), submissions {} (TLS), {} event loops",
                smtpConfig.host(), smtp.actualPort(SmtpServer.Mode.MX), smtp.actualPort(SmtpServer.Mode.SUBMISSION),
                smtp.actualPort(SmtpServer.Mode.SUBMISSIONS), smtpConfig.listening().eventLoops());

        HazelcastMaildropLocks maildropLocks = new HazelcastMaildropLocks(cluster.instance());
        stops.push(new Stop("maildrop locks", maildropLocks::close));
        ServerConfig.Pop3 pop3Config = config.pop3();
        Pop3Server pop3 = await(Pop3Server.start(vertx, new Pop3Server.Options(smtpHostname(), pop3Config.host(),
                pop3Config.port(), pop3Config.tlsPort(), tls.pemKeyCertOptions(), pop3Config.proxyProtocol(),
                pop3Config.allowPlaintextAuth(), pop3Config.idleTimeout(), pop3Config.listening(),
                pop3Config.maxConnectionsPerIp(), pop3Config.bodyThreads(), config.ipPolicy().pop3().toPolicy()),
                routedStorage, accounts, maildropLocks));
        stops.push(new Stop("POP3", () -> await(pop3.close())));
        this.pop3 = pop3;
        ServerConfig.Imap imapConfig = config.imap();
        ImapServer imap = await(ImapServer.start(vertx, new ImapServer.Options(smtpHostname(), imapConfig.host(),
                imapConfig.port(), imapConfig.tlsPort(), tls.pemKeyCertOptions(), imapConfig.proxyProtocol(),
                imapConfig.allowPlaintextAuth(), imapConfig.idleTimeout(), imapConfig.limits(), imapConfig.listening(),
                imapConfig.pools(), imapConfig.idleRecheck(), config.ipPolicy().imap().toPolicy()), routedStorage,
                accounts, mailboxEvents));
        stops.push(new Stop("IMAP", () -> await(imap.close())));
        this.imap = imap;

        List<ReadinessCheck> checks = List.of(
                new Check("shutdown", () -> stopping
                        ? CompletableFuture.failedFuture(new IllegalStateException("shutting down"))
                        : CompletableFuture.completedFuture(null)),
                new Check("storage", () -> storage.directory().listDomains().thenApply(domains -> null)),
                new Check("hazelcast", () -> cluster.running()
                        ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(new IllegalStateException("the Hazelcast member is not running"))));
        admin = listening("admin.port", config.admin().host(), config.admin().port(), () -> await(AdminServer.start(vertx,
                new AdminServer.Options(config.admin().host(), config.admin().port(), token,
                        config.ipPolicy().admin().toPolicy()::allows), accounts, admins, storage.spool(),
                checks, metrics, LogSetup.LEVELS)));
        stops.push(new Stop("admin API", () -> await(admin.close())));
        if (config.mtaSts().enabled()) {
            Path policies = config.mtaSts().policiesPath(dataDir);
            DomainWebServer mtaSts = listening("mta-sts.port", config.mtaSts().host(), config.mtaSts().port(),
                    () -> await(DomainWebServer.start(vertx, new DomainWebServer.Options(
                            config.mtaSts().host(), config.mtaSts().port(), policies, tls.pemKeyCertOptions(),
                            config.mtaSts().proxyProtocol()))));
            stops.push(new Stop("MTA-STS policy and autoconfig host", () -> await(mtaSts.close())));
            mtaStsPort = mtaSts.actualPort();
            LOG.info("MTA-STS policies and client autoconfiguration served on https://{}:{} from {}", config.mtaSts().host(), mtaStsPort, policies);
        }
        LOG.info("Yubin is ready: admin API on http://{}:{} (data in {})", config.admin().host(), admin.actualPort(),
                dataDir);
    }

    /**
     * The spam filter (docs/filtering.md): models through the store, tokenizing and training on their
     * own threads ({@link #spamThreads}).
     */
    private SpamFilter spamFilter(Storage storage, Clock clock) {
        ExecutorService threads = Executors.newFixedThreadPool(2, daemon("yubin-spam"));
        stops.push(new Stop("spam filter threads", threads::shutdownNow));
        spamThreads = threads;
        ServerConfig.Spam spam = config.spam();
        LOG.info("Spam filter on: Junk at {}, refused at {}, judging once a model learned {} spam and {} ham",
                spam.junkThreshold(), spam.rejectThreshold() > 1 ? "never" : spam.rejectThreshold(), spam.minTrained(),
                spam.minTrained());
        return new SpamFilter(storage.spamModels(), new SpamClassifier(), new SpamFilter.Settings(spam.minTrained(),
                SPAM_MODEL_CACHE, SPAM_MODEL_CACHE_BYTES, SpamFilter.Settings.MAX_FEATURES), clock, threads);
    }

    /** Virus scanning by clamd, when virus.clamd is set; null otherwise. */
    private VirusScanning virusScanning() {
        ServerConfig.Virus virus = config.virus();
        if (!virus.enabled()) {
            return null;
        }
        // A scan holds its thread while clamd reads the message: bounded, so a slow clamd queues scans.
        ExecutorService threads = Executors.newFixedThreadPool(8, daemon("yubin-virus-scan"));
        stops.push(new Stop("virus scan threads", threads::shutdownNow));
        LOG.info("Virus scanning by clamd at {} ({} when it cannot answer)", virus.clamd(),
                virus.failOpen() ? "accepting unscanned" : "refusing for now");
        return new VirusScanning(new ClamdScanner(new ClamdScanner.Settings(virus.clamdAddress(), virus.timeout(),
                virus.maxSize()), threads), virus.failOpen());
    }

    /**
     * Remote delivery (docs/outbound.md): MX lookups through the configured DNS servers, SMTP on
     * {@code vertx}, notifications written on their own worker thread (they read bodies), and the
     * daily TLS reports of this member's sessions.
     */
    private LocalDelivery.Outbound outbound(Vertx vertx, Storage storage, Clock clock, StubResolver dns, Path dataDir,
            String member) {
        ServerConfig.Remote remoteConfig = config.delivery().remote();
        List<InetSocketAddress> servers = config.dns().serverAddresses();
        ServerConfig.MtaSts mtaStsConfig = remoteConfig.mtaSts();
        TrustManagerFactory mtaStsTrust = MtaStsTrust.load(mtaStsConfig.extraCaPath());
        boolean dane = remoteConfig.dane().enabled() && config.dns().dnssecValidation();
        ServerConfig.TlsReports reports = remoteConfig.tlsReports();
        MailAddress reportsFrom = reports.enabled() ? tlsReportSender(reports) : null;
        TlsResults tlsResults = reportsFrom != null ? TlsResults.counting(clock) : TlsResults.discarding();
        SmtpClient client = new SmtpClient(vertx, remoteConfig.toSettings(smtpHostname()), mtaStsTrust,
                dane ? new DaneLookup(dns) : null, tlsResults);
        stops.push(new Stop("SMTP client", client::close));
        MtaStsPolicies mtaSts = null;
        if (mtaStsConfig.enabled()) {
            PolicyFetcher fetcher = new PolicyFetcher(vertx, dns, mtaStsTrust, mtaStsConfig.policyPort(),
                    mtaStsConfig.fetchTimeout());
            stops.push(new Stop("MTA-STS policy fetcher", fetcher::close));
            mtaSts = new MtaStsPolicies(dns, fetcher, clock, tlsResults);
        }
        ExecutorService dsnThread = Executors.newSingleThreadExecutor(daemon("yubin-dsn"));
        stops.push(new Stop("DSN writer", dsnThread::shutdownNow));
        if (reportsFrom != null) {
            tlsReports(vertx, storage, clock, dns, dataDir, member, tlsResults, mtaStsTrust, dsnThread, reportsFrom);
        }
        RemoteDelivery remote = new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV6_FIRST, new SecureRandom()),
                client, new DomainConnections(remoteConfig.maxConnectionsPerDomain(), DOMAIN_CONNECTION_WAIT), mtaSts);
        LOG.info("Remote delivery on: EHLO {}, DNS {}{}, MTA-STS {}, DANE {}",
                remoteConfig.toSettings(smtpHostname()).heloName(),
                servers.isEmpty() ? "from /etc/resolv.conf" : servers,
                config.dns().dnssecValidation() ? " with DNSSEC validation" : "", mtaStsConfig.enabled() ? "on" : "off",
                dane ? "on" : remoteConfig.dane().enabled() ? "off (needs dns.dnssec-validation)" : "off");
        LocalDelivery.Outbound outbound = new LocalDelivery.Outbound(RemoteSender.of(remote, storage.blobs()),
                config.delivery().retry().toSchedule(),
                new DsnSpooler(storage.spool(), storage.blobs(), smtpHostname(), clock, dsnThread),
                config.delivery().delayWarning()).withSrs(srs);
        // What aliases forward carries our results in an ARC set (RFC 8617), when we authenticate mail.
        return !config.mailauth().enabled() ? outbound : outbound.withArc(new ArcForwarding(
                new ArcSealer(new DkimKeyDirectory(config.dkim().keysPath(dataDir)), clock),
                config.mailauth().effectiveAuthservId(smtpHostname()), storage.blobs(), dsnThread));
    }

    /**
     * Checks every {@link #TLS_REPORT_CHECK} for finished days to report (RFC 8460); HTTPS report
     * servers are trusted as MTA-STS hosts are (the JDK's anchors and mta-sts.extra-ca-file).
     */
    private void tlsReports(Vertx vertx, Storage storage, Clock clock, StubResolver dns, Path dataDir, String member,
            TlsResults tlsResults, TrustManagerFactory trust, ExecutorService writer, MailAddress from) {
        ServerConfig.TlsReports reports = config.delivery().remote().tlsReports();
        String host = smtpHostname();
        SSLContext ssl;
        try {
            ssl = SSLContext.getInstance("TLS");
            ssl.init(null, trust.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context of TLS report uploads", e);
        }
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(30)).build();
        TlsReporter reporter = new TlsReporter(tlsResults, dns, storage.spool(), storage.blobs(), deliveryQueue::offer,
                http, new DkimSigner(new DkimKeyDirectory(config.dkim().keysPath(dataDir)), clock),
                new TlsReporter.Settings(reports.effectiveOrganization(host), reports.effectiveContact(host),
                        reports.effectiveSubmitter(host), from, member),
                clock, writer);
        // The check and the reports it makes run on the writer, never on the timer's event loop.
        long timer = vertx.setPeriodic(TLS_REPORT_CHECK.toMillis(), id -> CompletableFuture
                .supplyAsync(reporter::reportFinishedDays, writer).thenCompose(sending -> sending)
                .whenComplete((sent, failure) -> {
                    if (failure != null) {
                        LOG.warn("TLS reports could not be sent", failure);
                    }
                }));
        stops.push(new Stop("TLS reports", () -> vertx.cancelTimer(timer)));
        LOG.info("TLS reports (RFC 8460) of this member's sessions sent daily as {}", reports.effectiveSubmitter(host));
    }

    /**
     * The sender of TLS report mail; null, with TLS reports off, when the SMTP hostname (an address,
     * say) makes no reporting domain and none is configured.
     */
    private MailAddress tlsReportSender(ServerConfig.TlsReports reports) {
        try {
            return MailAddress.parse(reports.effectiveFrom(smtpHostname()));
        } catch (IllegalArgumentException e) {
            LOG.warn("TLS reports are off: the SMTP hostname {} is no domain to report as ({}); set "
                    + "delivery.remote.tls-reports.submitter", smtpHostname(), e.getMessage());
            return null;
        }
    }

    /** DNS lists whose word is a feature of the spam filter (spam.dnsbl-zones, spam.uribl-zones). */
    private SpamLists spamLists(StubResolver dns) {
        LOG.info("DNS lists asked for the spam filter: client addresses {}, URL domains {}",
                config.spam().dnsblZoneList(), config.spam().uriblZoneList());
        return new SpamLists(dns, config.spam().dnsblZoneList(), config.spam().uriblZoneList());
    }

    /** DNS blocklists at SMTP MX connect (dnsbl.zones); null when none is configured. */
    private static DnsBlocklists blocklists(StubResolver dns, List<String> zones) {
        if (zones.isEmpty()) {
            return null;
        }
        LOG.info("DNS blocklists asked at SMTP MX connect: {}", zones);
        return new DnsBlocklists(dns, zones);
    }

    /** DKIM signing at submission with the keys under {@code dkim.keys-directory} (docs/outbound.md). */
    private SubmissionSigner dkimSigner(Path dataDir, Clock clock) {
        Path keys = config.dkim().keysPath(dataDir);
        ExecutorService threads = Executors.newFixedThreadPool(2, daemon("yubin-dkim"));
        stops.push(new Stop("DKIM signing threads", threads::shutdownNow));
        LOG.info("DKIM signing of submitted mail with the keys under {}", keys);
        return new DkimSubmissionSigner(new DkimSigner(new DkimKeyDirectory(keys), clock), threads);
    }

    /** The one resolver (and its cache) of remote delivery and mail authentication, on dns.servers. */
    private StubResolver dns(Clock clock) {
        ExecutorService dnsThreads = Executors.newFixedThreadPool(2, daemon("yubin-dns"));
        stops.push(new Stop("DNS threads", dnsThreads::shutdownNow));
        return new StubResolver(DnsSettings.DEFAULT.withServers(config.dns().serverAddresses())
                .withTrustAnchors(config.dns().trustAnchors()), dnsThreads, clock);
    }

    /**
     * SPF, DKIM and DMARC of mail on the MX port (docs/mailauth.md); messages are read and signatures
     * checked on the mailauth threads.
     */
    private InboundAuthenticator authenticator(StubResolver dns, Clock clock) {
        ServerConfig.Mailauth settings = config.mailauth();
        OrganizationalDomains organizational;
        try {
            organizational = OrganizationalDomains.load(Path.of(settings.publicSuffixList()));
        } catch (java.io.IOException e) {
            throw new ConfigException("mailauth.public-suffix-list: cannot read " + settings.publicSuffixList()
                    + " (" + e + "); install Debian's publicsuffix package or set the path");
        }
        mailauthThreads = Executors.newFixedThreadPool(2, daemon("yubin-mailauth"));
        stops.push(new Stop("mailauth threads", mailauthThreads::shutdownNow));
        String authservId = settings.effectiveAuthservId(smtpHostname());
        SpfVerifier spf = new SpfVerifier(dns, clock, SpfVerifier.Settings.DEFAULT.withTimeLimit(settings.spfTimeLimit()));
        DnsKeyLookup keys = new DnsKeyLookup(dns, settings.dnsLookupTimeout());
        DkimVerifier dkim = new DkimVerifier(keys, mailauthThreads, clock, DkimVerifier.Limits.DEFAULT);
        // pct= sampling (RFC 7489 §6.6.4)
        DmarcVerifier dmarc = new DmarcVerifier(dns, organizational, () -> ThreadLocalRandom.current().nextInt(100),
                settings.dnsLookupTimeout());
        LOG.info("Mail authentication on for the MX port: authserv-id {}, Public Suffix List {}", authservId,
                settings.publicSuffixList());
        return new InboundAuthenticator(spf, dkim, new ArcVerifier(keys, mailauthThreads), dmarc, mailauthThreads,
                new InboundAuthenticator.Settings(authservId, settings.messageTimeLimit()));
    }

    /** Counts account locks and unlocks: {@code yubin_account_locks_total}, {@code yubin_account_unlocks_total}. */
    private static AccountLockout.Listener lockoutMetrics(MeterRegistry registry) {
        Counter locks = Counter.builder("yubin.account.locks")
                .description("Accounts locked after too many failed logins").register(registry);
        Counter unlocks = Counter.builder("yubin.account.unlocks")
                .description("Account locks lifted by an admin").register(registry);
        return new AccountLockout.Listener() {
            @Override
            public void locked(AccountLocks.Lock lock) {
                locks.increment();
            }

            @Override
            public void unlocked(AccountLocks.Lock lock) {
                unlocks.increment();
            }
        };
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The graceful part of a stop, in this order: readiness goes false (so a load balancer or
     * Kubernetes sends no more), every listener stops accepting, open sessions get the grace period
     * to finish ({@link SmtpServer#shutdown}: a DATA under way is answered and kept) and are then
     * ended with 421 / BYE / -ERR, while the delivery workers stop taking queue items and finish
     * the ones they hold. Waits for all of it; the admin API keeps answering meanwhile.
     */
    private void drain() {
        if (smtp == null || imap == null || pop3 == null || admin == null) {
            // The start failed part way: nothing took traffic.
            return;
        }
        Duration grace = config.shutdown().grace();
        long started = System.nanoTime();
        stopping = true;
        LOG.info("Shutting down: readiness is now false; listeners stop accepting, open sessions have {} s to finish",
                grace.toSeconds());
        List<CompletableFuture<?>> parts = List.of(
                smtp.shutdown(grace).toCompletionStage().toCompletableFuture(),
                imap.shutdown(grace).toCompletionStage().toCompletableFuture(),
                pop3.shutdown(grace).toCompletionStage().toCompletableFuture(),
                CompletableFuture.runAsync(workers::stop));
        try {
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                    .get(grace.toSeconds() + STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info("Sessions ended and delivery stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while draining");
        } catch (Exception e) {
            LOG.warn("Could not drain cleanly: {}", e.toString());
        }
    }

    /** The sweep for bodies a crash left unreferenced: S3's, or the body files' (null for neither). */
    private static Supplier<CompletionStage<?>> orphanSweep(Storage storage, S3BlobStore s3) {
        if (s3 != null) {
            return new S3OrphanSweeper(s3, storage.blobReferences())::sweepOnce;
        }
        if (storage.blobs() instanceof FileBlobStore files) {
            return new FileOrphanSweeper(files, storage.blobReferences())::sweepOnce;
        }
        return null;
    }

    /**
     * Starts a listener; when its port cannot be bound, the failure names the port and its setting
     * (the bind error alone, "Address already in use", does not say which). The protocols' listeners
     * name theirs themselves (ListenerSet).
     */
    private static <T> T listening(String setting, String host, int port, java.util.concurrent.Callable<T> start)
            throws Exception {
        try {
            return start.call();
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof java.net.BindException) {
                throw ListenerSet.cannotListen(host, port, setting, root);
            }
            throw e;
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    public int adminPort() {
        return admin.actualPort();
    }

    /** The port an SMTP listener is bound to; -1 when it is off. */
    public int smtpPort(SmtpServer.Mode mode) {
        return smtp.actualPort(mode);
    }

    public TlsFiles tls() {
        return tls;
    }

    /** The configuration it was started with. */
    public ServerConfig config() {
        return config;
    }

    /** The name SMTP gives itself: smtp.hostname, else tls.hostname, else this machine's name. */
    public String smtpHostname() {
        return config.smtp().effectiveHostname(config.tls(), TlsBootstrap.localHostName());
    }

    public Storage storage() {
        return storage;
    }

    public Accounts accounts() {
        return accounts;
    }

    /** Where protocol servers offer accepted spool ids. */
    public DeliveryQueue deliveryQueue() {
        return deliveryQueue;
    }

    /** The MTA-STS policy host's port; 0 when it does not run. */
    public int mtaStsPort() {
        return mtaStsPort;
    }

    /** Cluster-wide mailbox events, for IMAP IDLE and POP3. */
    public MailboxEvents mailboxEvents() {
        return mailboxEvents;
    }

    public Vertx vertx() {
        return vertx;
    }

    /**
     * Drains ({@link #drain}), then stops in reverse start order; a part that fails or hangs is
     * logged and the rest still stop.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        drain();
        while (!stops.isEmpty()) {
            Stop stop = stops.pop();
            CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
                try {
                    stop.action().run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                done.get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("Interrupted while stopping the {}", stop.what());
            } catch (Exception e) {
                LOG.warn("Could not stop the {} cleanly: {}", stop.what(), e.toString());
            }
        }
        LOG.info("Yubin stopped");
    }
}
