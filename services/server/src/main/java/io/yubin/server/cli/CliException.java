package io.yubin.server.cli;

/** A failure reported to the user as one line, with the exit status it maps to. */
public final class CliException extends RuntimeException {

    /** The server answered with an error, or the input or local setup is wrong. */
    public static final int FAILED = 1;
    /** Bad command line, as picocli reports it. */
    public static final int USAGE = 2;
    /** The server could not be reached. */
    public static final int UNREACHABLE = 3;

    private final int exitCode;

    private CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException failed(String message) {
        return new CliException(message, FAILED, null);
    }

    public static CliException failed(String message, Throwable cause) {
        return new CliException(message, FAILED, cause);
    }

    public static CliException unreachable(String message, Throwable cause) {
        return new CliException(message, UNREACHABLE, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
