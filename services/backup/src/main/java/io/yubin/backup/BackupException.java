package io.yubin.backup;

/** A backup that cannot be written, or an archive that cannot be trusted; the message says why. */
public final class BackupException extends RuntimeException {

    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
