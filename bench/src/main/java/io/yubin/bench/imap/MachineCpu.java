package io.yubin.bench.imap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Busy CPU time of the whole machine from the first line of /proc/stat (user, nice, system, irq,
 * softirq and steal; not idle or iowait), in seconds of USER_HZ ticks. Set against the server's and
 * the harness's own CPU it shows how much other processes took during a run.
 */
final class MachineCpu {

    private MachineCpu() {
    }

    /** Seconds of busy CPU since boot, over all cores; -1 when /proc/stat cannot be read. */
    static double busySeconds() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + (f.length > 8 ? Long.parseLong(f[8]) : 0);
            return busy * 0.01;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
