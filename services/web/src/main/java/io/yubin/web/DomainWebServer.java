package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.tls.ServerTls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * What our domains' web names serve, over HTTPS with the server's certificate, for the domain the
 * Host header names, from files of one directory that the operator writes (a MailDomain's
 * {@code <name>-mta-sts} ConfigMap, mounted):
 *
 * <ul>
 *   <li>{@code GET https://mta-sts.<domain>/.well-known/mta-sts.txt}: the MTA-STS policy
 *       (RFC 8461 §3.3), {@code <domain>.txt}, as {@code text/plain};
 *   <li>{@code GET https://autoconfig.<domain>/mail/config-v1.1.xml} (a query such as
 *       {@code ?emailaddress=} aside), and {@code /.well-known/autoconfig/mail/config-v1.1.xml} on that
 *       host or the domain's own: the mail client configuration, {@code <domain>.autoconfig.xml}, as
 *       {@code text/xml} — where Thunderbird and the clients that follow it look first;
 *   <li>{@code POST https://autoconfig.<domain>/autodiscover/autodiscover.xml} (or on
 *       {@code autodiscover.<domain>} or the domain itself; Outlook finds it through the
 *       {@code _autodiscover._tcp} SRV record): Outlook's Autodiscover answer,
 *       {@code <domain>.autodiscover.xml} of the domain of the {@code EMailAddress} the request names,
 *       with that address put where the file says {@code %EMAILADDRESS%}.
 * </ul>
 *
 * Files are read per request, so a change is served at once. Anything else is 404, and so is a
 * Host that names no domain, so the server names no domain it does not serve.
 */
public final class DomainWebServer {

    /** The one path of RFC 8461 §3.3. */
    public static final String PATH = "/.well-known/mta-sts.txt";
    /** Where clients ask {@code autoconfig.<domain>} for their settings. */
    public static final String AUTOCONFIG_PATH = "/mail/config-v1.1.xml";
    /** Where clients ask the domain itself (or {@code autoconfig.<domain>}) for their settings. */
    public static final String AUTOCONFIG_WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml";

    /** Where Outlook asks (in any case: Outlook writes {@code /Autodiscover/Autodiscover.xml}). */
    public static final String AUTODISCOVER_PATH = "/autodiscover/autodiscover.xml";
    /** An Autodiscover request is a few hundred octets; one larger than this is refused. */
    static final int MAX_AUTODISCOVER_REQUEST = 16 * 1024;
    private static final String ADDRESS = "%EMAILADDRESS%";

    /** A file larger than this is not served: RFC 8461 §3.3 lets senders refuse policies over 64 KiB. */
    static final long MAX_FILE = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DomainWebServer.class);

    /** A file of the directory to answer with, and its media type. */
    record Served(String file, String contentType) {
    }

    /**
     * @param host the address to listen on
     * @param port the HTTPS port (443 where senders connect; behind a load balancer any)
     * @param policies the directory of the files served: {@code <domain>.txt}, {@code <domain>.autoconfig.xml},
     *     {@code <domain>.autodiscover.xml}
     * @param keyCert the server's certificate and key
     * @param proxyProtocol whether every connection starts with a PROXY protocol header (v1 or v2)
     *     naming the client, as behind a load balancer that sends it
     * @param idleTimeout how long a connection may stay without a byte either way before it is closed
     *     (a client that opens connections and says nothing holds none for long)
     */
    public record Options(String host, int port, Path policies, KeyCertOptions keyCert, boolean proxyProtocol,
            Duration idleTimeout) {
        /** A connection idle for 30 s is closed: a policy or a client configuration is fetched in one request. */
        public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(policies, "policies");
            Objects.requireNonNull(keyCert, "keyCert");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535");
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idle timeout must be positive");
            }
        }

        public Options(String host, int port, Path policies, KeyCertOptions keyCert, boolean proxyProtocol) {
            this(host, port, policies, keyCert, proxyProtocol, IDLE_TIMEOUT);
        }
    }

    private final HttpServer server;

    private DomainWebServer(HttpServer server) {
        this.server = server;
    }

    public static Future<DomainWebServer> start(Vertx vertx, Options options) {
        // The protocols' TLS (docs/architecture.md §5): TLS 1.2 and 1.3, AEAD ciphers only.
        HttpServerOptions http = ServerTls.implicit(new HttpServerOptions().setHost(options.host()).setPort(options.port())
                .setUseProxyProtocol(options.proxyProtocol()).setIdleTimeout((int) options.idleTimeout().toMillis())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS), options.keyCert());
        return vertx.createHttpServer(http).requestHandler(request -> handle(vertx, options.policies(), request))
                .listen().map(DomainWebServer::new);
    }

    private static void handle(Vertx vertx, Path policies, HttpServerRequest request) {
        if (AUTODISCOVER_PATH.equalsIgnoreCase(request.path())) {
            autodiscover(vertx, policies, request);
            return;
        }
        Served served = served(request);
        if (served == null) {
            text(request, 404, "not found\n");
            return;
        }
        if (!(request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD)) {
            text(request, 405, "method not allowed\n");
            return;
        }
        Path file = policies.resolve(served.file());
        vertx.<byte[]>executeBlocking(() -> read(file), false).onComplete(read -> {
            if (read.failed()) {
                LOG.warn("{} cannot be read: {}", file, read.cause().toString());
                text(request, 500, "unreadable\n");
            } else if (read.result() == null) {
                text(request, 404, "not found\n");
            } else {
                // RFC 8461 §3.3: media type text/plain; no caching headers are needed (max_age rules).
                request.response().putHeader("Content-Type", served.contentType())
                        .end(io.vertx.core.buffer.Buffer.buffer(read.result()));
            }
        });
    }

    /** The file that answers the request's Host and path; null for anything else. */
    static Served served(HttpServerRequest request) {
        String name = hostName(request);
        String path = request.path();
        if (name == null || path == null) {
            return null;
        }
        if (path.equals(PATH)) {
            Domain domain = named(name, "mta-sts.");
            return domain == null ? null : new Served(domain.ascii() + ".txt", "text/plain; charset=utf-8");
        }
        Domain domain = path.equals(AUTOCONFIG_PATH) ? named(name, "autoconfig.")
                : path.equals(AUTOCONFIG_WELL_KNOWN_PATH) ? named(name, "autoconfig.", "") : null;
        return domain == null ? null : new Served(domain.ascii() + ".autoconfig.xml", "text/xml; charset=utf-8");
    }

    /**
     * Outlook's Autodiscover (the POX protocol): the request names the user's address, the answer is
     * the address's domain's {@code <domain>.autodiscover.xml} with the address in it. Only for a Host
     * that names one of our domains' web names; read and parsed off the event loop.
     */
    private static void autodiscover(Vertx vertx, Path dir, HttpServerRequest request) {
        String host = hostName(request);
        Domain hostDomain = host == null ? null : named(host, "autoconfig.", "autodiscover.", "");
        if (hostDomain == null) {
            text(request, 404, "not found\n");
            return;
        }
        if (request.method() != HttpMethod.POST) {
            request.response().putHeader("Allow", "POST");
            text(request, 405, "an Autodiscover request is a POST naming EMailAddress\n");
            return;
        }
        io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_AUTODISCOVER_REQUEST) {
                if (!request.response().ended()) {
                    request.response().putHeader("Connection", "close");
                    text(request, 413, "request too large\n");
                }
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.endHandler(end -> {
            if (request.response().ended()) {
                return;
            }
            vertx.<Answer>executeBlocking(() -> autodiscoverAnswer(dir, body.getBytes()), false).onComplete(done -> {
                if (done.failed()) {
                    LOG.warn("Autodiscover answer for {} failed: {}", hostDomain, done.cause().toString());
                    text(request, 500, "unreadable\n");
                } else if (done.result().body() == null) {
                    text(request, done.result().status(), done.result().message());
                } else {
                    request.response().putHeader("Content-Type", "text/xml; charset=utf-8")
                            .end(io.vertx.core.buffer.Buffer.buffer(done.result().body()));
                }
            });
        });
    }

    /** A status and either the body to send as XML or a plain-text message. */
    record Answer(int status, byte[] body, String message) {
    }

    /** The answer to an Autodiscover request's octets. */
    static Answer autodiscoverAnswer(Path dir, byte[] request) throws IOException {
        MailAddress address = requestedAddress(request);
        if (address == null || address.domain().isAddressLiteral()) {
            return new Answer(400, null, "the request names no EMailAddress of a domain\n");
        }
        byte[] file = read(dir.resolve(address.domain().ascii() + ".autodiscover.xml"));
        if (file == null) {
            return new Answer(404, null, "not found\n");
        }
        String escaped = address.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
        return new Answer(200, new String(file, StandardCharsets.UTF_8).replace(ADDRESS, escaped)
                .getBytes(StandardCharsets.UTF_8), null);
    }

    /** The {@code EMailAddress} of an Autodiscover request; null when it has none or is not XML. */
    static MailAddress requestedAddress(byte[] request) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new DefaultHandler()); // quiet: the JDK's own prints to System.err
            NodeList found = builder.parse(new ByteArrayInputStream(request)).getElementsByTagNameNS("*", "EMailAddress");
            return found.getLength() == 0 ? null : MailAddress.parse(found.item(0).getTextContent().strip());
        } catch (ParserConfigurationException | SAXException | IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void text(HttpServerRequest request, int status, String message) {
        request.response().setStatusCode(status).putHeader("Content-Type", "text/plain").end(message);
    }

    /** The Host header's name, lower case, without a final dot; null without one. */
    private static String hostName(HttpServerRequest request) {
        String host = request.authority() == null ? null : request.authority().host();
        if (host == null) {
            return null;
        }
        String name = host.toLowerCase(Locale.ROOT);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * The domain a host name names as {@code <prefix><domain>}, with the first of {@code prefixes} it
     * starts with ({@code ""}: the domain itself); null when it starts with none or is no domain.
     */
    private static Domain named(String name, String... prefixes) {
        for (String prefix : prefixes) {
            if (name.startsWith(prefix)) {
                try {
                    return Domain.parse(name.substring(prefix.length()));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The file's octets; null when there is none (or it is too large to be a policy). */
    private static byte[] read(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_FILE) {
                LOG.warn("{} is larger than {} octets; not served", file, MAX_FILE);
                return null;
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The bound port, also when {@link Options#port()} was 0. */
    public int actualPort() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server.close();
    }
}
