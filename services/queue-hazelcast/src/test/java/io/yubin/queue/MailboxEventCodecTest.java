package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.MailAddress;
import io.yubin.store.MailboxId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MailboxEventCodecTest {

    private static final MailboxEvent EVENT = new MailboxEvent(MailAddress.parse("Alice@Example.TEST"),
            new MailboxId("mbx-1"), MailboxEvent.Kind.APPENDED, 42, 7);

    @Test
    void roundTripsEveryKind() {
        for (MailboxEvent.Kind kind : MailboxEvent.Kind.values()) {
            MailboxEvent event = new MailboxEvent(EVENT.user(), EVENT.mailbox(), kind, 3, 9);

            MailboxEvent decoded = MailboxEventCodec.toEvent(MailboxEventCodec.read(MailboxEventCodec.encode(event)));

            assertThat(decoded).isEqualTo(event);
        }
    }

    @Test
    void anExpungeCarriesTheFlagsTheMessageHad() {
        MailboxEvent expunged = new MailboxEvent(EVENT.user(), EVENT.mailbox(), MailboxEvent.Kind.EXPUNGED, 3, 9,
                io.yubin.model.Flags.of("\\Seen", "\\Deleted", "$Label1"));

        MailboxEvent read = MailboxEventCodec.toEvent(MailboxEventCodec.read(MailboxEventCodec.encode(expunged)));

        assertThat(read).isEqualTo(expunged);
        assertThat(read.flags().toStrings()).containsExactly("\\Seen", "\\Deleted", "$Label1");
        // A flag a newer writer knows and this member does not: the event stays, without flags.
        byte[] unknown = io.yubin.proto.cluster.v1.MailboxEvent.newBuilder().setVersion(1)
                .setUser("alice@example.test").setMailboxId("m")
                .setKind(io.yubin.proto.cluster.v1.MailboxEvent.Kind.EXPUNGED).setUid(3)
                .addFlags("\\Future").build().toByteArray();
        assertThat(MailboxEventCodec.toEvent(MailboxEventCodec.read(unknown)).flags()).isNull();
    }

    @Test
    void writesTheCurrentVersionAndTheCanonicalUser() {
        var wire = MailboxEventCodec.read(MailboxEventCodec.encode(EVENT));

        assertThat(wire.getVersion()).isEqualTo(MailboxEventCodec.VERSION);
        assertThat(wire.getUser()).isEqualTo("alice@example.test");
        assertThat(wire.getMailboxId()).isEqualTo("mbx-1");
        assertThat(wire.getUid()).isEqualTo(42);
        assertThat(wire.getModSeq()).isEqualTo(7);
    }

    @Test
    void refusesAnEventOfANewerVersion() {
        byte[] newer = io.yubin.proto.cluster.v1.MailboxEvent.newBuilder()
                .setVersion(MailboxEventCodec.VERSION + 1).setUser("alice@example.test").setMailboxId("m")
                .setKind(io.yubin.proto.cluster.v1.MailboxEvent.Kind.APPENDED).build().toByteArray();

        assertThatThrownBy(() -> MailboxEventCodec.read(newer))
                .isInstanceOf(MailboxEventCodec.UnreadableEventException.class)
                .hasMessageContaining("version 2 is newer");
    }

    @Test
    void refusesAnEventWithoutAVersion() {
        byte[] unversioned = io.yubin.proto.cluster.v1.MailboxEvent.newBuilder().setUser("alice@example.test")
                .build().toByteArray();

        assertThatThrownBy(() -> MailboxEventCodec.read(unversioned))
                .isInstanceOf(MailboxEventCodec.UnreadableEventException.class);
    }

    @Test
    void refusesBytesThatAreNotAnEvent() {
        byte[] garbage = "not protobuf at all \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> MailboxEventCodec.read(garbage))
                .isInstanceOf(MailboxEventCodec.UnreadableEventException.class);
    }

    @Test
    void refusesAKindItDoesNotKnow() {
        byte[] unknownKind = io.yubin.proto.cluster.v1.MailboxEvent.newBuilder().setVersion(1)
                .setUser("alice@example.test").setMailboxId("m").setKindValue(99).build().toByteArray();

        var wire = MailboxEventCodec.read(unknownKind);

        assertThatThrownBy(() -> MailboxEventCodec.toEvent(wire))
                .isInstanceOf(MailboxEventCodec.UnreadableEventException.class)
                .hasMessageContaining("unknown kind (99)");
    }

    @Test
    void readsAnEventWithAFieldAddedByANewerWriterOfTheSameVersion() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(MailboxEventCodec.encode(EVENT));
        // Field 15, wire type 0 (varint), value 1: a field this reader has never heard of.
        bytes.write(15 << 3);
        bytes.write(1);

        assertThat(MailboxEventCodec.toEvent(MailboxEventCodec.read(bytes.toByteArray()))).isEqualTo(EVENT);
    }
}
