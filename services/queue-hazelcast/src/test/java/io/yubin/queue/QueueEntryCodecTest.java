package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.yubin.proto.cluster.v1.QueueEntry;
import io.yubin.store.SpoolId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The queue entry's wire format, including entries written by a newer release (issue 16 item 2). */
class QueueEntryCodecTest {

    @Test
    void roundTripsTheSpoolIdAsVersionOne() throws Exception {
        byte[] bytes = QueueEntryCodec.encode(new SpoolId("0195-abc"), Instant.ofEpochMilli(1_700_000_000_123L));

        QueueEntry wire = QueueEntry.parseFrom(bytes);
        assertThat(wire.getVersion()).isEqualTo(1);
        assertThat(wire.getOfferedAtMs()).isEqualTo(1_700_000_000_123L);
        assertThat(wire.getMinReaderVersion()).isZero();
        assertThat(QueueEntryCodec.decode(bytes)).isEqualTo(new SpoolId("0195-abc"));
    }

    /**
     * Bytes as a "v2" schema writes them: {@code QueueEntry} with {@code version = 2} and two fields
     * this reader has never heard of (a string, number 5, and a nested message, number 17), built
     * by hand on the wire so the v1 classes cannot have been involved in writing them.
     */
    @Test
    void aVersionOneReaderReadsAnEntryWrittenByVersionTwoWithAddedFields() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream w = CodedOutputStream.newInstance(out);
        w.writeUInt32(1, 2);
        w.writeString(2, "0195-v2");
        w.writeInt64(3, 1_700_000_000_000L);
        w.writeString(5, "priority=bulk");
        w.writeBytes(17, ByteString.copyFromUtf8("\u0008\u0001"));
        w.flush();

        assertThat(QueueEntryCodec.decode(out.toByteArray())).isEqualTo(new SpoolId("0195-v2"));
        assertThat(QueueEntry.parseFrom(out.toByteArray()).getUnknownFields().asMap()).containsKeys(5, 17);
    }

    @Test
    void anEntryThatAsksForANewerReaderIsRefusedNamingTheVersions() {
        byte[] bytes = QueueEntry.newBuilder().setVersion(2).setSpoolId("0195-x").setMinReaderVersion(2).build()
                .toByteArray();

        assertThatThrownBy(() -> QueueEntryCodec.decode(bytes))
                .isInstanceOf(QueueEntryCodec.UnreadableEntryException.class)
                .hasMessageContaining("version 2").hasMessageContaining("0195-x").hasMessageContaining("reads 1");
    }

    @Test
    void bytesThatAreNoEntryOrLackAVersionOrASpoolIdAreRefused() {
        assertThatThrownBy(() -> QueueEntryCodec.decode(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}))
                .isInstanceOf(QueueEntryCodec.UnreadableEntryException.class).hasMessageContaining("not a queue entry");
        assertThatThrownBy(() -> QueueEntryCodec.decode(QueueEntry.newBuilder().setSpoolId("a").build().toByteArray()))
                .isInstanceOf(QueueEntryCodec.UnreadableEntryException.class).hasMessageContaining("without a version");
        assertThatThrownBy(() -> QueueEntryCodec.decode(QueueEntry.newBuilder().setVersion(1).build().toByteArray()))
                .isInstanceOf(QueueEntryCodec.UnreadableEntryException.class).hasMessageContaining("without a spool id");
    }
}
