package io.yubin.mailauth.virus;

import java.io.InputStream;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Scans a message for viruses (docs/filtering.md, "Viruses"). */
public interface VirusScanner {

    /**
     * Scans the message {@code message} opens, of {@code size} octets. The stage never fails: a
     * scanner that cannot answer says so with {@link ScanResult.Status#FAILED}.
     */
    CompletionStage<ScanResult> scan(Supplier<InputStream> message, long size);
}
