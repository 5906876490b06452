package io.yubin.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Just enough of a Kubernetes API server for the chart's {@code lookup} calls: discovery of the
 * core group, and GET of a Secret, which is 404 unless a test stored one. helm-java's template
 * asks the cluster of $KUBECONFIG for lookups (the helm CLI's {@code helm template} never does),
 * so the tests point $KUBECONFIG (set by the pom for the test JVM) at this server; without it they
 * would ask whatever listens on localhost:8080.
 */
final class FakeApiServer {

    static final FakeApiServer INSTANCE = start();

    private final HttpServer server;
    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();

    private FakeApiServer(HttpServer server) {
        this.server = server;
    }

    private static FakeApiServer start() {
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || !kubeconfig.endsWith("fake-apiserver/kubeconfig")) {
            throw new IllegalStateException("KUBECONFIG must be target/fake-apiserver/kubeconfig (helm/pom.xml sets it for "
                    + "Surefire); run the tests through Maven, or the chart's lookups reach a real cluster. Was: " + kubeconfig);
        }
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeApiServer fake = new FakeApiServer(http);
            http.createContext("/", fake::handle);
            http.start();
            Path file = Path.of(kubeconfig);
            Files.createDirectories(file.getParent());
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: fake
                        cluster: {server: "http://127.0.0.1:%d"}
                    users:
                      - name: fake
                        user: {token: not-a-real-token}
                    contexts:
                      - name: fake
                        context: {cluster: fake, user: fake, namespace: mail}
                    current-context: fake
                    """.formatted(http.getAddress().getPort()));
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes GET of this Secret answer with these keys (plain text; base64-encoded in the answer). */
    void putSecret(String namespace, String name, Map<String, String> data) {
        secrets.put(namespace + "/" + name, data);
    }

    void clear() {
        secrets.clear();
        requests.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        String[] parts = path.split("/");
        if (!"GET".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, status(405, "MethodNotAllowed", "read-only fake"));
        } else if (path.equals("/api")) {
            respond(exchange, 200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}");
        } else if (path.equals("/apis")) {
            respond(exchange, 200, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}");
        } else if (path.equals("/version")) {
            respond(exchange, 200, "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.0\"}");
        } else if (path.equals("/api/v1")) {
            respond(exchange, 200, """
                    {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
                      {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list"]}]}""");
        } else if (parts.length == 7 && path.startsWith("/api/v1/namespaces/") && parts[5].equals("secrets")) {
            Map<String, String> data = secrets.get(parts[4] + "/" + parts[6]);
            if (data == null) {
                respond(exchange, 404, status(404, "NotFound", "secrets \\\"" + parts[6] + "\\\" not found"));
            } else {
                StringBuilder json = new StringBuilder("{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"")
                        .append(parts[6]).append("\",\"namespace\":\"").append(parts[4]).append("\"},\"type\":\"Opaque\",\"data\":{");
                String sep = "";
                for (Map.Entry<String, String> e : data.entrySet()) {
                    json.append(sep).append('"').append(e.getKey()).append("\":\"")
                            .append(Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8))).append('"');
                    sep = ",";
                }
                respond(exchange, 200, json.append("}}").toString());
            }
        } else {
            respond(exchange, 404, status(404, "NotFound", "not served by the fake API server"));
        }
    }

    private static String status(int code, String reason, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"" + reason
                + "\",\"code\":" + code + ",\"message\":\"" + message + "\"}";
    }

    private static void respond(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
