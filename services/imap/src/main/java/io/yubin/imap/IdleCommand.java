package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Request;

/**
 * IDLE (RFC 2177, RFC 9051 §6.3.13): the store is read once at the start, then on every mailbox
 * event, when events may have been missed ({@link ImapSession#recheck}), and every
 * {@link ImapServer.Options#idleRecheck} in any case; what changed goes out at once, expunges
 * included; DONE ends it. The periodic read is what makes a session converge when an event was lost
 * (events are hints, docs/architecture.md §1), e.g. one published by a member that died.
 */
final class IdleCommand {

    private IdleCommand() {
    }

    static Future<Void> idle(ImapSession s, Request r) {
        s.idling = true;
        s.changed = true;
        s.client.write("+ idling\r\n");
        long recheck = s.context.owner().setPeriodic(s.options.idleRecheck().toMillis(),
                t -> s.context.runOnContext(v -> s.recheck()));
        return s.update(true).compose(v -> s.client.readLine())
                .andThen(ar -> s.context.owner().cancelTimer(recheck))
                .compose(line -> {
                    s.idling = false;
                    if (!line.equalsIgnoreCase("DONE")) {
                        return s.bad(r.tag(), "Expected DONE", null);
                    }
                    s.changed = true;
                    return s.ok(r, "IDLE terminated");
                }, failure -> {
                    s.idling = false;
                    return Future.succeededFuture();
                });
    }
}
