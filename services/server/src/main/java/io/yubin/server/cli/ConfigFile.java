package io.yubin.server.cli;

import io.yubin.server.config.ConfigException;
import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** The server configuration as the serving commands read it: {@code --config}, else ./yubin.yaml if present. */
final class ConfigFile {

    private ConfigFile() {
    }

    static ServerConfig load(Path config) {
        try {
            Path file = config != null ? config
                    : Files.exists(ConfigLoader.DEFAULT_FILE) ? ConfigLoader.DEFAULT_FILE : null;
            return ConfigLoader.load(file, System.getenv());
        } catch (ConfigException e) {
            throw CliException.failed(e.getMessage(), e);
        }
    }
}
