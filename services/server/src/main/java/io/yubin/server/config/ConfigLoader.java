package io.yubin.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.yubin.mailauth.dns.DnsNames;
import io.yubin.model.MailAddress;
import io.yubin.protocol.IpPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Loads {@link ServerConfig}: the bundled defaults, then a YAML file, then {@code YUBIN_*}
 * environment variables. The set of keys is the set of keys in the defaults, so an unknown key in
 * the file or an unknown {@code YUBIN_*} variable is an error naming it, and a value must have its
 * default's type.
 */
public final class ConfigLoader {

    /** The file {@code yubin serve} and the management commands read when none is given. */
    public static final Path DEFAULT_FILE = Path.of("yubin.yaml");

    static final String ENV_PREFIX = "YUBIN_";
    /** Read by the management commands, not by the server. */
    static final Set<String> CLIENT_VARIABLES = Set.of("YUBIN_ADMIN_URL", "YUBIN_ADMIN_TOKEN");

    private static final String DEFAULTS = "defaults.yaml";

    private final YAMLMapper mapper;
    private final ObjectNode tree;
    /** Key path of every scalar setting, with its default value. */
    private final Map<String, JsonNode> keys = new LinkedHashMap<>();
    /** Key path to where its value came from, for error messages; absent means the default. */
    private final Map<String, String> origins = new HashMap<>();

    private ConfigLoader() {
        mapper = YAMLMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .build();
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("bundled " + DEFAULTS + " is missing");
            }
            tree = (ObjectNode) mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled " + DEFAULTS, e);
        }
        collectKeys(tree, "");
    }

    /** The defaults only. */
    public static ServerConfig defaults() {
        return new ConfigLoader().bind();
    }

    /**
     * @param file a YAML file, or null for none
     * @param environment the process environment; only {@code YUBIN_*} entries are read
     */
    public static ServerConfig load(Path file, Map<String, String> environment) {
        ConfigLoader loader = new ConfigLoader();
        if (file != null) {
            loader.mergeFile(file);
        }
        loader.mergeEnvironment(environment);
        return loader.bind();
    }

    /** The environment variable that overrides a key: {@code smtp.mx-port} is {@code YUBIN_SMTP_MX_PORT}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Every key path, in the order of the defaults file. */
    public static List<String> keys() {
        return List.copyOf(new ConfigLoader().keys.keySet());
    }

    private void collectKeys(ObjectNode node, String prefix) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix + field.getKey();
            if (field.getValue().isObject()) {
                collectKeys((ObjectNode) field.getValue(), key + ".");
            } else {
                keys.put(key, field.getValue());
            }
        }
    }

    private void mergeFile(Path file) {
        JsonNode parsed;
        try {
            parsed = mapper.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new ConfigException("cannot parse configuration file " + file + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e, e);
        }
        if (parsed == null || parsed.isMissingNode() || parsed.isNull()) {
            return;
        }
        String origin = "in " + file;
        if (!parsed.isObject()) {
            throw new ConfigException("configuration file " + file + " must be a mapping of keys to values");
        }
        mergeObject(tree, (ObjectNode) parsed, "", origin);
    }

    private void mergeObject(ObjectNode target, ObjectNode source, String prefix, String origin) {
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix + field.getKey();
            JsonNode current = target.get(field.getKey());
            JsonNode value = field.getValue();
            if (current == null) {
                throw new ConfigException("unknown configuration key \"" + key + "\" " + origin);
            }
            if (value.isNull()) {
                continue;
            }
            if (current.isObject()) {
                if (!value.isObject()) {
                    throw new ConfigException(
                            "configuration key \"" + key + "\" " + origin + " must be a mapping, was " + describe(value));
                }
                mergeObject((ObjectNode) current, (ObjectNode) value, key + ".", origin);
            } else {
                target.set(field.getKey(), convert(key, value, "configuration key \"" + key + "\" " + origin));
                origins.put(key, origin);
            }
        }
    }

    /** A YAML value checked against the type of the key's default. */
    private JsonNode convert(String key, JsonNode value, String subject) {
        JsonNode defaultValue = keys.get(key);
        if (defaultValue.isInt()) {
            if (value.isIntegralNumber() && value.canConvertToInt()) {
                return IntNode.valueOf(value.intValue());
            }
            throw new ConfigException(subject + " must be an integer, was " + describe(value));
        }
        if (defaultValue.isBoolean()) {
            if (value.isBoolean()) {
                return value;
            }
            throw new ConfigException(subject + " must be true or false, was " + describe(value));
        }
        if (value.isValueNode()) {
            return TextNode.valueOf(value.asText());
        }
        throw new ConfigException(subject + " must be a string, was " + describe(value));
    }

    private void mergeEnvironment(Map<String, String> environment) {
        Map<String, String> keyByVariable = new HashMap<>();
        for (String key : keys.keySet()) {
            keyByVariable.put(environmentVariable(key), key);
        }
        // Sorted, so that of several bad variables the same one is reported every time.
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(ENV_PREFIX) || CLIENT_VARIABLES.contains(name)) {
                continue;
            }
            String key = keyByVariable.get(name);
            if (key == null) {
                throw new ConfigException("unknown environment variable " + name
                        + ": it matches no configuration key (see the keys in defaults.yaml)");
            }
            String origin = "from environment variable " + name;
            set(key, parseEnvironmentValue(key, variable.getValue(),
                    "environment variable " + name + " (configuration key \"" + key + "\")"));
            origins.put(key, origin);
        }
    }

    private JsonNode parseEnvironmentValue(String key, String text, String subject) {
        JsonNode defaultValue = keys.get(key);
        if (defaultValue.isInt()) {
            try {
                return IntNode.valueOf(Integer.parseInt(text.strip()));
            } catch (NumberFormatException e) {
                throw new ConfigException(subject + " must be an integer, was \"" + text + "\"", e);
            }
        }
        if (defaultValue.isBoolean()) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "true" -> BooleanNode.TRUE;
                case "false" -> BooleanNode.FALSE;
                default -> throw new ConfigException(subject + " must be true or false, was \"" + text + "\"");
            };
        }
        return TextNode.valueOf(text);
    }

    private void set(String key, JsonNode value) {
        String[] parts = key.split("\\.");
        ObjectNode node = tree;
        for (String part : Arrays.copyOf(parts, parts.length - 1)) {
            node = (ObjectNode) node.get(part);
        }
        node.set(parts[parts.length - 1], value);
    }

    private ServerConfig bind() {
        ServerConfig config;
        try {
            config = mapper.treeToValue(tree, ServerConfig.class);
        } catch (MismatchedInputException e) {
            String key = e.getPath().stream().map(r -> r.getFieldName()).collect(Collectors.joining("."));
            throw new ConfigException(where(key) + " must be " + expected(e.getTargetType()) + ", was "
                    + describe(keyValue(key)), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("invalid configuration: " + e.getOriginalMessage(), e);
        }
        validate(config);
        return config;
    }

    private JsonNode keyValue(String key) {
        JsonNode node = tree;
        for (String part : key.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    private static String expected(Class<?> type) {
        if (type != null && type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                names.add(((Enum<?>) constant).name().toLowerCase(Locale.ROOT));
            }
            return "one of " + names;
        }
        return "a " + (type == null ? "value of another type" : type.getSimpleName());
    }

    private void validate(ServerConfig c) {
        port("admin.port", c.admin().port());
        atLeast("admin.session-minutes", c.admin().sessionMinutes(), 1);
        port("smtp.mx-port", c.smtp().mxPort());
        port("smtp.submission-port", c.smtp().submissionPort());
        port("smtp.submissions-port", c.smtp().submissionsPort());
        port("imap.port", c.imap().port());
        port("imap.tls-port", c.imap().tlsPort());
        port("pop3.port", c.pop3().port());
        port("pop3.tls-port", c.pop3().tlsPort());
        port("cluster.port", c.cluster().port());
        notBlank("data-dir", c.dataDir().toString());
        notBlank("admin.host", c.admin().host());
        notBlank("smtp.host", c.smtp().host());
        notBlank("pop3.host", c.pop3().host());
        notBlank("imap.host", c.imap().host());
        distinctListeners(c);
        if (c.imap().maxMessageSize() < 1 || c.imap().maxMessageSize() > Integer.MAX_VALUE - 8) {
            throw new ConfigException("imap.max-message-size must be 1.." + (Integer.MAX_VALUE - 8));
        }
        if (c.storage().blobs() == ServerConfig.BlobBackend.S3) {
            notBlank("storage.s3.endpoint", c.storage().s3().endpoint());
            notBlank("storage.s3.bucket", c.storage().s3().bucket());
        }
        if (c.storage().backend() == ServerConfig.StorageBackend.CASSANDRA) {
            ServerConfig.Cassandra cass = c.storage().cassandra();
            notBlank("storage.cassandra.contact-points", cass.contactPoints());
            notBlank("storage.cassandra.local-datacenter", cass.localDatacenter());
            if (!cass.keyspace().matches("[a-zA-Z][a-zA-Z0-9_]{0,47}")) {
                throw new ConfigException(where("storage.cassandra.keyspace")
                        + " must be a CQL name (a letter, then letters, digits or _)");
            }
            atLeast("storage.cassandra.request-timeout-ms", cass.requestTimeoutMs(), 1);
        }
        notBlank("cluster.name", c.cluster().name());
        validateCluster(c.cluster());
        if (c.tls().certFile().isEmpty() != c.tls().keyFile().isEmpty()) {
            String missing = c.tls().certFile().isEmpty() ? "tls.cert-file" : "tls.key-file";
            String given = c.tls().certFile().isEmpty() ? "tls.key-file" : "tls.cert-file";
            throw new ConfigException(where(given) + " is set but " + missing
                    + " is not: set both, or neither for a self-signed certificate");
        }
        atLeast("smtp.max-message-size", c.smtp().maxMessageSize(), 1);
        atLeast("smtp.max-recipients", c.smtp().maxRecipients(), 1);
        atLeast("smtp.max-connections-per-ip", c.smtp().maxConnectionsPerIp(), 1);
        atLeast("smtp.event-loops", c.smtp().eventLoops(), 0);
        atLeast("smtp.proxy-header-timeout-seconds", c.smtp().proxyHeaderTimeoutSeconds(), 1);
        atLeast("smtp.command-timeout-seconds", c.smtp().commandTimeoutSeconds(), 1);
        atLeast("smtp.data-timeout-seconds", c.smtp().dataTimeoutSeconds(), 1);
        // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; servers must take at least that.
        atLeast("smtp.max-line-length", c.smtp().maxLineLength(), 512);
        atLeast("smtp.memory-threshold", c.smtp().memoryThreshold(), 0);
        atLeast("imap.event-loops", c.imap().eventLoops(), 0);
        atLeast("imap.proxy-header-timeout-seconds", c.imap().proxyHeaderTimeoutSeconds(), 1);
        atLeast("imap.max-connections-per-ip", c.imap().maxConnectionsPerIp(), 1);
        atLeast("imap.idle-timeout-seconds", c.imap().idleTimeoutSeconds(), 1);
        atLeast("imap.idle-recheck-seconds", c.imap().idleRecheckSeconds(), 1);
        atLeast("imap.max-line", c.imap().maxLine(), 1024);
        atLeast("imap.max-command", c.imap().maxCommand(), c.imap().maxLine());
        atLeast("imap.max-nesting", c.imap().maxNesting(), 1);
        atLeast("imap.max-bad-commands", c.imap().maxBadCommands(), 1);
        atLeast("imap.body-threads", c.imap().bodyThreads(), 1);
        atLeast("imap.search-threads", c.imap().searchThreads(), 1);
        atLeast("pop3.event-loops", c.pop3().eventLoops(), 0);
        atLeast("pop3.proxy-header-timeout-seconds", c.pop3().proxyHeaderTimeoutSeconds(), 1);
        atLeast("pop3.max-connections-per-ip", c.pop3().maxConnectionsPerIp(), 1);
        atLeast("pop3.idle-timeout-seconds", c.pop3().idleTimeoutSeconds(), 1);
        atLeast("pop3.body-threads", c.pop3().bodyThreads(), 1);
        atLeast("delivery.workers", c.delivery().workers(), 1);
        atLeast("delivery.lease-ttl-seconds", c.delivery().leaseTtlSeconds(), 1);
        atLeast("delivery.sweep-interval-seconds", c.delivery().sweepIntervalSeconds(), 1);
        atLeast("delivery.retry.first-seconds", c.delivery().retry().firstSeconds(), 1);
        atLeast("delivery.retry.max-seconds", c.delivery().retry().maxSeconds(), c.delivery().retry().firstSeconds());
        atLeast("delivery.retry.give-up-seconds", c.delivery().retry().giveUpSeconds(), 1);
        atLeast("delivery.delay-warning-seconds", c.delivery().delayWarningSeconds(), 0);
        atLeast("delivery.remote.port", c.delivery().remote().port(), 1);
        atMost("delivery.remote.port", c.delivery().remote().port(), 65535);
        atLeast("delivery.remote.connect-timeout-seconds", c.delivery().remote().connectTimeoutSeconds(), 1);
        atLeast("delivery.remote.command-timeout-seconds", c.delivery().remote().commandTimeoutSeconds(), 1);
        atLeast("delivery.remote.attempt-timeout-seconds", c.delivery().remote().attemptTimeoutSeconds(), 1);
        atLeast("mta-sts.port", c.mtaSts().port(), 0);
        atMost("mta-sts.port", c.mtaSts().port(), 65535);
        atLeast("delivery.remote.max-connections-per-domain", c.delivery().remote().maxConnectionsPerDomain(), 0);
        atLeast("delivery.remote.max-messages-per-connection", c.delivery().remote().maxMessagesPerConnection(), 1);
        atLeast("delivery.remote.connection-idle-seconds", c.delivery().remote().connectionIdleSeconds(), 0);
        atLeast("delivery.remote.mta-sts.policy-port", c.delivery().remote().mtaSts().policyPort(), 1);
        atMost("delivery.remote.mta-sts.policy-port", c.delivery().remote().mtaSts().policyPort(), 65535);
        atLeast("delivery.remote.mta-sts.fetch-timeout-seconds", c.delivery().remote().mtaSts().fetchTimeoutSeconds(), 1);
        try {
            c.dns().trustAnchors();
        } catch (UncheckedIOException e) {
            throw new ConfigException(where("dns.trust-anchors-file") + ": " + e.getMessage());
        }
        try {
            c.dns().serverAddresses();
        } catch (RuntimeException e) {
            throw new ConfigException(where("dns.servers") + " is not a list of host or host:port separated by commas: "
                    + e.getMessage());
        }
        atLeast("sending-limits.messages-per-hour", c.sendingLimits().messagesPerHour(), 0);
        atLeast("sending-limits.recipients-per-message", c.sendingLimits().recipientsPerMessage(), 0);
        atLeast("sending-limits.recipients-per-day", c.sendingLimits().recipientsPerDay(), 0);
        try {
            c.sendingLimits().overrideMap();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where("sending-limits.overrides") + ": " + e.getMessage());
        }
        atLeast("spam.min-trained", c.spam().minTrained(), 1);
        if (!(c.spam().junkThreshold() > 0) || !(c.spam().rejectThreshold() > 0)) {
            throw new ConfigException(where(!(c.spam().junkThreshold() > 0) ? "spam.junk-threshold" : "spam.reject-threshold")
                    + " must be a number above 0 (above 1 turns it off)");
        }
        try {
            c.spam().toThresholds();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where("spam.overrides") + ": " + e.getMessage());
        }
        ipLists("ip-policy.smtp-mx", c.ipPolicy().smtpMx());
        ipLists("ip-policy.smtp-submission", c.ipPolicy().smtpSubmission());
        ipLists("ip-policy.smtp-submissions", c.ipPolicy().smtpSubmissions());
        ipLists("ip-policy.imap", c.ipPolicy().imap());
        ipLists("ip-policy.pop3", c.ipPolicy().pop3());
        ipLists("ip-policy.admin", c.ipPolicy().admin());
        ServerConfig.TlsReports reports = c.delivery().remote().tlsReports();
        if (!reports.submitter().isBlank() && !DnsNames.isValid(reports.submitter())) {
            throw new ConfigException(where("delivery.remote.tls-reports.submitter") + ": \"" + reports.submitter()
                    + "\" is not a domain name");
        }
        if (!reports.from().isBlank()) {
            try {
                MailAddress.parse(reports.from());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where("delivery.remote.tls-reports.from") + ": \"" + reports.from()
                        + "\" is not a mail address: " + e.getMessage());
            }
        }
        zones("dnsbl.zones", c.dnsbl().zoneList());
        zones("spam.dnsbl-zones", c.spam().dnsblZoneList());
        zones("spam.uribl-zones", c.spam().uriblZoneList());
        ServerConfig.AddressPolicyConfig address = c.addressPolicy();
        addressPolicy("address-policy", new ServerConfig.AddressPolicyConfig(address.allowedCharacters(),
                address.maxLocalPartLength(), address.reserved(), address.plusSeparator(), "", ""));
        addressPolicy("address-policy.role-recipient", new ServerConfig.AddressPolicyConfig(address.allowedCharacters(),
                address.maxLocalPartLength(), address.reserved(), address.plusSeparator(), address.roleRecipient(), ""));
        addressPolicy("address-policy.overrides", address);
        atLeast("shutdown.grace-seconds", c.shutdown().graceSeconds(), 0);
        atLeast("mailauth.message-time-limit-seconds", c.mailauth().messageTimeLimitSeconds(), 1);
        atLeast("mailauth.spf-time-limit-seconds", c.mailauth().spfTimeLimitSeconds(), 1);
        atLeast("mailauth.dns-lookup-timeout-seconds", c.mailauth().dnsLookupTimeoutSeconds(), 1);
        if (c.mailauth().authservId().chars().anyMatch(ch -> ch <= ' ' || ch == ';' || ch == '(' || ch == '"')) {
            throw new ConfigException(where("mailauth.authserv-id") + " must be one token (a host name): "
                    + c.mailauth().authservId());
        }
        atLeast("password-policy.min-length", c.passwordPolicy().minLength(), 1);
        atLeast("password-policy.max-length", c.passwordPolicy().maxLength(), c.passwordPolicy().minLength());
        atLeast("password-hash.parallelism", c.passwordHash().parallelism(), 1);
        atLeast("password-hash.iterations", c.passwordHash().iterations(), 1);
        // RFC 9106 §3.1: memory is at least 8 KiB per lane.
        atLeast("password-hash.memory-kib", c.passwordHash().memoryKib(), 8 * c.passwordHash().parallelism());
        atLeast("auth-cache.ttl-seconds", c.authCache().ttlSeconds(), 0);
        atLeast("auth-cache.max-entries", c.authCache().maxEntries(), 1);
        atLeast("security.lockout.failures", c.security().lockout().failures(), 1);
        atLeast("security.lockout.window-seconds", c.security().lockout().windowSeconds(), 1);
        atLeast("security.lockout.duration-seconds", c.security().lockout().durationSeconds(), 1);
    }

    /** Issue 16 item 1: a cluster member binds to one address and finds the others one way. */
    private void validateCluster(ServerConfig.Cluster cluster) {
        boolean hasMembers = !cluster.memberList().isEmpty();
        boolean hasDns = !cluster.kubernetes().serviceDns().isBlank();
        if (!cluster.enabled()) {
            if (hasMembers || hasDns) {
                String key = hasMembers ? "cluster.members" : "cluster.kubernetes.service-dns";
                throw new ConfigException(where(key) + " is set but cluster.enabled is false: set cluster.enabled "
                        + "to true to join other members");
            }
            return;
        }
        if (hasMembers == hasDns) {
            throw new ConfigException(where("cluster.enabled") + " is true: set exactly one of cluster.members "
                    + "(host:port, separated by commas) and cluster.kubernetes.service-dns, "
                    + (hasMembers ? "not both" : "neither is set"));
        }
        String bind = cluster.bindAddress().strip();
        if (!isIpLiteral(bind)) {
            throw new ConfigException(where("cluster.bind-address") + " must be an IP address of this machine "
                    + "(a pod's IP in Kubernetes), was \"" + bind + "\"");
        }
        try {
            if (InetAddress.getByName(bind).isAnyLocalAddress()) {
                throw new ConfigException(where("cluster.bind-address") + " must be one address, not the wildcard "
                        + bind + ": Hazelcast has no authentication, so the member port must not listen everywhere");
            }
        } catch (UnknownHostException e) {
            throw new ConfigException(where("cluster.bind-address") + " is not an IP address: " + bind, e);
        }
        for (String member : cluster.memberList()) {
            int colon = member.lastIndexOf(':');
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(member.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (port < 1 || port > 65535) {
                throw new ConfigException(where("cluster.members") + " must list host:port entries separated by "
                        + "commas, with ports 1 to 65535; \"" + member + "\" is not one");
            }
        }
    }

    /**
     * No two listeners on one port of one address. Vert.x shares a listening socket between servers of
     * one process that ask for the same host and port, handing each new connection to one of them in
     * turn, so {@code imap.port: 8080} beside {@code admin.port: 8080} would start without an error and
     * send every other HTTP request to the IMAP server. A wildcard host (0.0.0.0, ::) holds the port on
     * every address. Port 0 (any free port) never collides.
     */
    private void distinctListeners(ServerConfig c) {
        List<Listener> listeners = new ArrayList<>(List.of(
                new Listener("admin.port", c.admin().host(), c.admin().port()),
                new Listener("smtp.mx-port", c.smtp().host(), c.smtp().mxPort()),
                new Listener("smtp.submission-port", c.smtp().host(), c.smtp().submissionPort()),
                new Listener("smtp.submissions-port", c.smtp().host(), c.smtp().submissionsPort()),
                new Listener("imap.port", c.imap().host(), c.imap().port()),
                new Listener("imap.tls-port", c.imap().host(), c.imap().tlsPort()),
                new Listener("pop3.port", c.pop3().host(), c.pop3().port()),
                new Listener("pop3.tls-port", c.pop3().host(), c.pop3().tlsPort())));
        if (c.mtaSts().enabled()) {
            listeners.add(new Listener("mta-sts.port", c.mtaSts().host(), c.mtaSts().port()));
        }
        for (int i = 0; i < listeners.size(); i++) {
            Listener listener = listeners.get(i);
            for (Listener earlier : listeners.subList(0, i)) {
                boolean sameHost = listener.host().equalsIgnoreCase(earlier.host());
                if (listener.port() != 0 && listener.port() == earlier.port()
                        && (sameHost || isWildcard(listener.host()) || isWildcard(earlier.host()))) {
                    throw new ConfigException(where(listener.key()) + " is " + listener.port() + ", the port of "
                            + earlier.key() + " on " + (sameHost ? "the same address (" + listener.host() + ")"
                            : "every address") + ": give each listener its own port");
                }
            }
        }
    }

    private record Listener(String key, String host, int port) {
        Listener {
            host = host.strip();
        }
    }

    /** An address that listens on every address of the machine: 0.0.0.0, ::, [::]. */
    private static boolean isWildcard(String host) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            return isIpLiteral(literal) && InetAddress.getByName(literal).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** An IPv4 dotted quad or an IPv6 literal; a host name would need a lookup and may name several. */
    private static boolean isIpLiteral(String text) {
        return text.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (text.contains(":") && text.matches("[0-9A-Fa-f:.]+"));
    }

    private void addressPolicy(String key, ServerConfig.AddressPolicyConfig config) {
        try {
            config.toPolicies();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(key) + ": " + e.getMessage());
        }
    }


    private void zones(String key, List<String> zones) {
        for (String zone : zones) {
            if (!DnsNames.isValid(zone) || zone.contains(" ")) {
                throw new ConfigException(where(key) + ": \"" + zone + "\" is not a DNS zone name");
            }
        }
    }
    private void ipLists(String key, ServerConfig.IpLists lists) {
        try {
            IpPolicy.parse(lists.allow(), "");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(key + ".allow") + ": " + e.getMessage());
        }
        try {
            IpPolicy.parse("", lists.deny());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(key + ".deny") + ": " + e.getMessage());
        }
    }

    private void port(String key, int value) {
        if (value < 0 || value > 65535) {
            throw new ConfigException(where(key) + " must be a port number from 0 to 65535, was " + value);
        }
    }

    private void notBlank(String key, String value) {
        if (value.isBlank()) {
            throw new ConfigException(where(key) + " must not be empty");
        }
    }

    private void atMost(String key, int value, int maximum) {
        if (value > maximum) {
            throw new ConfigException(where(key) + " must be at most " + maximum + ", was " + value);
        }
    }

    private void atLeast(String key, int value, int minimum) {
        if (value < minimum) {
            throw new ConfigException(where(key) + " must be at least " + minimum + ", was " + value);
        }
    }

    private String where(String key) {
        String origin = origins.get(key);
        return "configuration key \"" + key + "\"" + (origin == null ? "" : " " + origin);
    }

    private static String describe(JsonNode value) {
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isTextual()) {
            return "\"" + value.asText() + "\"";
        }
        return value.toString();
    }
}
