package io.yubin.store;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import java.util.Set;

/** A mailbox as listed: its id, owner, name, UIDVALIDITY and special use. */
public record Mailbox(MailboxId id, MailAddress owner, MailboxPath path, long uidValidity, Set<SpecialUse> specialUse) {

    public Mailbox {
        specialUse = Set.copyOf(specialUse);
    }
}
