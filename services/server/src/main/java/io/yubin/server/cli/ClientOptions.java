package io.yubin.server.cli;

import io.yubin.server.AdminToken;
import io.yubin.server.config.ConfigException;
import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a management command reaches the server: {@code --url}/{@code --token}, else
 * {@code YUBIN_ADMIN_URL}/{@code YUBIN_ADMIN_TOKEN}, else the server started in the working
 * directory: the admin port of {@code ./yubin.yaml} (or the default) and its
 * {@code data/admin-token}.
 */
public final class ClientOptions {

    static final String URL_VARIABLE = "YUBIN_ADMIN_URL";
    static final String TOKEN_VARIABLE = "YUBIN_ADMIN_TOKEN";

    @Option(names = "--url", paramLabel = "URL",
            description = "Admin API base URL (default: $YUBIN_ADMIN_URL, else http://127.0.0.1:<admin.port>).")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Admin API token (default: $YUBIN_ADMIN_TOKEN, else <data-dir>/admin-token).")
    String token;

    /** The resolved server address and token. */
    public record Connection(URI url, String token) {
    }

    public AdminClient client() {
        Connection connection = resolve(System.getenv(), Path.of(""));
        return new AdminClient(connection.url(), connection.token());
    }

    /** A client without a token, for opening a session ({@code yubin admin login}). */
    public AdminClient clientWithoutToken() {
        return new AdminClient(resolve(System.getenv(), Path.of(""), false).url(), null);
    }

    Connection resolve(Map<String, String> environment, Path workingDir) {
        return resolve(environment, workingDir, true);
    }

    private Connection resolve(Map<String, String> environment, Path workingDir, boolean needToken) {
        String resolvedUrl = firstNonBlank(url, environment.get(URL_VARIABLE));
        String resolvedToken = needToken ? firstNonBlank(token, environment.get(TOKEN_VARIABLE)) : null;
        ServerConfig config = null;
        if (resolvedUrl == null || needToken && resolvedToken == null) {
            config = localConfig(environment, workingDir);
        }
        if (resolvedUrl == null) {
            resolvedUrl = "http://" + hostForUrl(config.admin().host()) + ":" + config.admin().port();
        }
        if (needToken && resolvedToken == null) {
            resolvedToken = readToken(workingDir.resolve(config.dataDir()));
        }
        URI uri;
        try {
            uri = URI.create(resolvedUrl);
        } catch (IllegalArgumentException e) {
            throw CliException.failed("the admin URL \"" + resolvedUrl + "\" is not a URL", e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw CliException.failed("the admin URL \"" + resolvedUrl + "\" must be http://HOST:PORT or https://HOST:PORT");
        }
        return new Connection(uri, resolvedToken);
    }

    private static ServerConfig localConfig(Map<String, String> environment, Path workingDir) {
        Path file = workingDir.resolve(ConfigLoader.DEFAULT_FILE);
        try {
            return ConfigLoader.load(Files.exists(file) ? file : null, environment);
        } catch (ConfigException e) {
            throw CliException.failed(e.getMessage(), e);
        }
    }

    /** A server listening on every interface is reached on loopback. */
    private static String hostForUrl(String host) {
        return switch (host) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "[::]" -> "[::1]";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
    }

    private static String readToken(Path dataDir) {
        Path file = AdminToken.file(dataDir);
        try {
            return AdminToken.read(file);
        } catch (NoSuchFileException e) {
            throw CliException.failed("no admin token: pass --token or set " + TOKEN_VARIABLE
                    + ", or run this in the directory where `yubin serve` runs (" + file + " does not exist)", e);
        } catch (IOException e) {
            throw CliException.failed("cannot read the admin token " + file + ": " + e.getMessage(), e);
        }
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a.strip();
        }
        return b != null && !b.isBlank() ? b.strip() : null;
    }
}
