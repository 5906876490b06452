package io.yubin.bench.imap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process and all its descendants, from /proc/PID/stat (utime, stime, cutime,
 * cstime in clock ticks of 1/100 s, USER_HZ on Linux). Children that exited and were waited for
 * count in their parent's cutime/cstime, so the difference of two samples covers processes that
 * came and went between them (Dovecot's imap processes, one per login).
 */
final class ProcessTreeCpu {

    private static final double TICK_SECONDS = 0.01;

    private ProcessTreeCpu() {
    }

    /** Seconds of CPU, or -1 when the process is gone or /proc cannot be read. */
    static double seconds(long pid) {
        ProcessHandle root = ProcessHandle.of(pid).orElse(null);
        if (root == null) {
            return -1;
        }
        long ticks = ticks(pid);
        if (ticks < 0) {
            return -1;
        }
        for (ProcessHandle d : (Iterable<ProcessHandle>) root.descendants()::iterator) {
            ticks += Math.max(0, ticks(d.pid()));
        }
        return ticks * TICK_SECONDS;
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": f[0] is state (field 3); utime..cstime are fields 14..17
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
