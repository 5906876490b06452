package io.yubin.smtp;

import io.yubin.mailauth.virus.VirusScanner;
import java.util.Objects;

/**
 * Virus scanning of every message at the end of its data, on every port (docs/mailauth.md,
 * "Viruses").
 *
 * @param failOpen when the scanner cannot answer: true accepts the message with an
 *     {@code X-Virus-Status: Unscanned} field, false refuses it with {@code 451 4.7.1}
 */
public record VirusScanning(VirusScanner scanner, boolean failOpen) {
    public VirusScanning {
        Objects.requireNonNull(scanner, "scanner");
    }
}
