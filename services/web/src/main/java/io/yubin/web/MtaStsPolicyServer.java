package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import io.yubin.model.Domain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the MTA-STS policies of our domains (RFC 8461 §3.3): {@code GET
 * https://mta-sts.<domain>/.well-known/mta-sts.txt} answers the policy file {@code <domain>.txt}
 * of the policies directory as {@code text/plain}, for the domain named by the Host header. The
 * operator writes those files (the {@code mtaSts} part of a MailDomain's status, mounted from a
 * ConfigMap); they are read per request, so a changed policy is served at once. Anything else is
 * 404; a Host that is not {@code mta-sts.} and a domain is 404 too, so the server names no domain
 * it does not serve. HTTPS only, with the server's certificate (which names {@code mta-sts.<domain>}).
 */
public final class MtaStsPolicyServer {

    /** The one path of RFC 8461 §3.3. */
    public static final String PATH = "/.well-known/mta-sts.txt";

    /** A policy larger than this is not served: RFC 8461 §3.3 lets senders refuse bodies over 64 KiB. */
    static final long MAX_POLICY = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicyServer.class);

    /**
     * @param host the address to listen on
     * @param port the HTTPS port (443 where senders connect; behind a load balancer any)
     * @param policies the directory of {@code <domain>.txt} policy files
     * @param keyCert the server's certificate and key
     * @param proxyProtocol whether every connection starts with a PROXY protocol header (v1 or v2)
     *     naming the client, as behind a load balancer that sends it
     */
    public record Options(String host, int port, Path policies, KeyCertOptions keyCert, boolean proxyProtocol) {
        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(policies, "policies");
            Objects.requireNonNull(keyCert, "keyCert");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535");
            }
        }
    }

    private final HttpServer server;

    private MtaStsPolicyServer(HttpServer server) {
        this.server = server;
    }

    public static Future<MtaStsPolicyServer> start(Vertx vertx, Options options) {
        HttpServerOptions http = new HttpServerOptions().setHost(options.host()).setPort(options.port())
                .setSsl(true).setKeyCertOptions(options.keyCert()).setUseProxyProtocol(options.proxyProtocol())
                .addEnabledSecureTransportProtocol("TLSv1.2").addEnabledSecureTransportProtocol("TLSv1.3")
                .removeEnabledSecureTransportProtocol("TLSv1").removeEnabledSecureTransportProtocol("TLSv1.1");
        return vertx.createHttpServer(http).requestHandler(request -> handle(vertx, options.policies(), request))
                .listen().map(MtaStsPolicyServer::new);
    }

    private static void handle(Vertx vertx, Path policies, HttpServerRequest request) {
        Domain domain = policyDomain(request);
        if (domain == null || !(request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD)) {
            request.response().setStatusCode(domain == null ? 404 : 405).putHeader("Content-Type", "text/plain")
                    .end(domain == null ? "not found\n" : "method not allowed\n");
            return;
        }
        Path file = policies.resolve(domain.ascii() + ".txt");
        vertx.<byte[]>executeBlocking(() -> read(file), false).onComplete(read -> {
            if (read.failed()) {
                LOG.warn("MTA-STS policy {} cannot be read: {}", file, read.cause().toString());
                request.response().setStatusCode(500).putHeader("Content-Type", "text/plain").end("policy unreadable\n");
            } else if (read.result() == null) {
                request.response().setStatusCode(404).putHeader("Content-Type", "text/plain").end("not found\n");
            } else {
                // RFC 8461 §3.3: media type text/plain; no caching headers are needed (max_age rules).
                request.response().putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end(io.vertx.core.buffer.Buffer.buffer(read.result()));
            }
        });
    }

    /** The domain of {@code mta-sts.<domain>} in the Host header, for the policy path only; else null. */
    static Domain policyDomain(HttpServerRequest request) {
        String host = request.authority() == null ? null : request.authority().host();
        if (!PATH.equals(request.path()) || host == null) {
            return null;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!name.startsWith("mta-sts.")) {
            return null;
        }
        try {
            return Domain.parse(name.substring("mta-sts.".length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The file's octets; null when there is none (or it is too large to be a policy). */
    private static byte[] read(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_POLICY) {
                LOG.warn("MTA-STS policy {} is larger than {} octets; not served", file, MAX_POLICY);
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
