package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Request;

/**
 * IDLE (RFC 2177, RFC 9051 §6.3.13): the store is read once at the start, then on every mailbox
 * event, and what changed goes out at once, expunges included; DONE ends it.
 */
final class IdleCommand {

    private IdleCommand() {
    }

    static Future<Void> idle(ImapSession s, Request r) {
        s.idling = true;
        s.changed = true;
        s.client.write("+ idling\r\n");
        return s.update(true).compose(v -> s.client.readLine()).compose(line -> {
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
