package io.yubin.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.yubin.server.config.ServerConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The server's log as the configuration wants it (docs/operations.md, "Logs"): readable text, or one
 * JSON object per line (logback's {@link JsonEncoder}: time, level, logger, thread, formatted message, and the
 * key-value pairs of the SMTP transaction and login lines as {@code kvpList}); and the levels of
 * loggers changed while the server runs, through the admin API.
 */
public final class LogSetup {

    private static final String CONSOLE = "CONSOLE";

    private LogSetup() {
    }

    /** The admin API's view of the levels ({@code /api/v1/loggers}). */
    public static final io.yubin.web.LogLevels LEVELS = new io.yubin.web.LogLevels() {
        @Override
        public Map<String, String> levels() {
            return LogSetup.levels();
        }

        @Override
        public String setLevel(String logger, String level) {
            return LogSetup.setLevel(logger, level);
        }
    };

    /** The format {@code logging.format} asks for, {@code auto} resolved. */
    public static ServerConfig.LogFormat format(ServerConfig config) {
        ServerConfig.LogFormat format = config.logging().format();
        if (format != ServerConfig.LogFormat.AUTO) {
            return format;
        }
        return config.cluster().enabled() ? ServerConfig.LogFormat.JSON : ServerConfig.LogFormat.TEXT;
    }

    /** Switches the console appender of logback.xml to JSON lines when the configuration asks for them. */
    public static void apply(ServerConfig config) {
        if (format(config) != ServerConfig.LogFormat.JSON
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE);
        if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
            return;
        }
        console.stop();
        console.setEncoder(jsonEncoder(context));
        console.start();
    }

    /**
     * logback's JsonEncoder as the server uses it: the message formatted ({@code formattedMessage}, its
     * {} placeholders filled), not its pattern and arguments apart; without the sequence number,
     * nanoseconds and logger context, which add noise, not facts.
     */
    public static JsonEncoder jsonEncoder(LoggerContext context) {
        JsonEncoder json = new JsonEncoder();
        json.setContext(context);
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.setWithContext(false);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithFormattedMessage(true);
        json.start();
        return json;
    }

    /** Loggers whose level was set (by logback.xml or at run time), with their levels. */
    public static Map<String, String> levels() {
        Map<String, String> out = new LinkedHashMap<>();
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            for (ch.qos.logback.classic.Logger logger : context.getLoggerList()) {
                if (logger.getLevel() != null) {
                    out.put(logger.getName(), logger.getLevel().toString());
                }
            }
        }
        return out;
    }

    /**
     * Sets a logger's level (TRACE, DEBUG, INFO, WARN, ERROR, OFF), or with null lets it inherit its
     * parent's again; the root logger cannot inherit. Returns the level it now has in effect.
     */
    public static String setLevel(String name, String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("the log is not logback's");
        }
        ch.qos.logback.classic.Logger logger = context.getLogger(name);
        if (level == null) {
            if (logger.getName().equals(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
                throw new IllegalArgumentException("the root logger keeps a level");
            }
            logger.setLevel(null);
        } else {
            String upper = level.strip().toUpperCase(Locale.ROOT);
            if (!java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(upper)) {
                throw new IllegalArgumentException("level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
            }
            logger.setLevel(Level.toLevel(upper));
        }
        return logger.getEffectiveLevel().toString();
    }
}
