package io.yubin.backup;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.util.Objects;

/** What a backup holds: everything, one domain (its users, aliases and mailboxes), or one user. */
public record BackupScope(Kind kind, Domain domain, MailAddress user) {

    public enum Kind { ALL, DOMAIN, USER }

    public BackupScope {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.DOMAIN) != (domain != null) || (kind == Kind.USER) != (user != null)) {
            throw new IllegalArgumentException("a domain scope names a domain, a user scope a user");
        }
    }

    public static BackupScope all() {
        return new BackupScope(Kind.ALL, null, null);
    }

    public static BackupScope domain(Domain domain) {
        return new BackupScope(Kind.DOMAIN, domain, null);
    }

    public static BackupScope user(MailAddress user) {
        return new BackupScope(Kind.USER, null, user);
    }

    /** {@code all}, {@code domain:example.com} or {@code user:alice@example.com}, as the header keeps it. */
    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case DOMAIN -> "domain:" + domain.ascii();
            case USER -> "user:" + user.canonical();
        };
    }

    static BackupScope parse(String text) {
        if (text.equals("all")) {
            return all();
        }
        if (text.startsWith("domain:")) {
            return domain(Domain.parse(text.substring(7)));
        }
        if (text.startsWith("user:")) {
            return user(MailAddress.parse(text.substring(5)));
        }
        throw new BackupException("unknown backup scope " + text);
    }
}
