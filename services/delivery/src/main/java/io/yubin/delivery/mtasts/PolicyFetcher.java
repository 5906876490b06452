package io.yubin.delivery.mtasts;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 §3.3) with Vert.x's HTTP
 * client: the certificate validated against {@link MtaStsTrust} and matched to the host name, no
 * redirects, only 200 with {@code text/plain}, at most {@value #MAX_SIZE} octets, within a timeout.
 * The host's address comes from the same DNS resolver as the MX lookups.
 */
public final class PolicyFetcher implements AutoCloseable {

    /** RFC 8461 §3.3 suggests senders limit the policy's size; 64 KiB, as its example. */
    static final int MAX_SIZE = 64 * 1024;

    private final DnsResolver dns;
    private final HttpClient client;
    private final int port;
    private final Duration timeout;

    /**
     * @param port 443; another port only for tests (the {@code policy-port} test hook)
     */
    public PolicyFetcher(Vertx vertx, DnsResolver dns, TrustManagerFactory trust, int port, Duration timeout) {
        this.dns = dns;
        this.port = port;
        this.timeout = timeout;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(true)
                .setVerifyHost(true)
                .setForceSni(true)
                .setTrustOptions(TrustOptions.wrap(trust))
                .setConnectTimeout((int) timeout.toMillis())
                .setMaxRedirects(0));
    }

    /** The policy of {@code domain}; fails with the reason when there is none to be had now. */
    public CompletionStage<MtaStsPolicy> fetch(String domain) {
        String host = "mta-sts." + domain.toLowerCase(Locale.ROOT);
        return address(host).compose(address -> {
            RequestOptions request = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                    .setHost(host)
                    .setPort(port)
                    .setSsl(true)
                    .setURI("/.well-known/mta-sts.txt")
                    .setFollowRedirects(false) // RFC 8461 §3.3: redirects MUST NOT be followed
                    .setIdleTimeout(timeout.toMillis());
            return client.request(request).compose(req -> req.send().compose(response -> {
                if (response.statusCode() != 200) {
                    req.reset();
                    return Future.failedFuture("HTTP status " + response.statusCode() + " from " + host);
                }
                String type = response.getHeader("Content-Type");
                if (type == null || !type.toLowerCase(Locale.ROOT).split(";")[0].strip().equals("text/plain")) {
                    req.reset();
                    return Future.failedFuture("media type " + type + " from " + host + ", not text/plain");
                }
                Promise<Buffer> body = Promise.promise();
                Buffer received = Buffer.buffer();
                response.handler(chunk -> {
                    if (received.length() + chunk.length() > MAX_SIZE) {
                        body.tryFail("policy from " + host + " larger than " + MAX_SIZE + " octets");
                        req.reset();
                    } else {
                        received.appendBuffer(chunk);
                    }
                });
                response.exceptionHandler(body::tryFail);
                response.endHandler(v -> body.tryComplete(received));
                return body.future();
            })).map(text -> MtaStsPolicy.parse(text.toString(StandardCharsets.UTF_8)));
        }).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).toCompletionStage();
    }

    private Future<InetAddress> address(String host) {
        return Future.fromCompletionStage(dns.a(host)).compose(v4 -> {
            if (!v4.records().isEmpty()) {
                return Future.succeededFuture(v4.records().get(0));
            }
            return Future.fromCompletionStage(dns.aaaa(host)).compose(v6 -> v6.records().isEmpty()
                    ? Future.failedFuture("no address for " + host + (v4 instanceof DnsResult.TempError
                            || v6 instanceof DnsResult.TempError ? " now" : ""))
                    : Future.succeededFuture(v6.records().get(0)));
        });
    }

    @Override
    public void close() {
        client.close();
    }
}
