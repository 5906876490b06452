package io.yubin.web;

import java.util.Map;

/**
 * The levels of the process's loggers, read and changed while it runs ({@code /api/v1/loggers}); the
 * server implements it over logback.
 */
public interface LogLevels {

    /** Loggers whose level is set, with their levels; the root logger is {@code ROOT}. */
    Map<String, String> levels();

    /**
     * Sets a logger's level (TRACE, DEBUG, INFO, WARN, ERROR, OFF), or with null lets it inherit again;
     * returns the level now in effect.
     *
     * @throws IllegalArgumentException for an unknown level, or null for the root logger
     */
    String setLevel(String logger, String level);

    /** Nothing to read or change (a server without a logging backend that allows it). */
    LogLevels NONE = new LogLevels() {
        @Override
        public Map<String, String> levels() {
            return Map.of();
        }

        @Override
        public String setLevel(String logger, String level) {
            throw new IllegalArgumentException("this server's logger levels cannot be changed");
        }
    };
}
