package io.yubin.helm;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The podman command line (rootful, runc, host network: src/test/podman/containers.conf, which
 * CONTAINERS_CONF makes its only configuration), with its image store under target/ so that the
 * tests neither read nor leave anything in the machine's own store.
 */
final class Podman {

    static final Path PODMAN = Path.of("/usr/bin/podman");
    static final Path CONF = Path.of("src/test/podman/containers.conf").toAbsolutePath();

    private final Path store;

    private Podman(Path store) {
        this.store = store;
    }

    /** podman, or the test's end: a failure under CI=true, else a skip. */
    static Podman require(Path store) {
        present(PODMAN, "podman is missing: install podman (.ci/install-packages)");
        return new Podman(store);
    }

    /** Fails under CI=true, skips elsewhere, when {@code file} is not there. */
    static void present(Path file, String message) {
        if (Files.exists(file)) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail(message + "; CI=true");
        }
        assumeTrue(false, message);
    }

    /** Runs podman with these arguments; its output, or a failure with it when the exit status is not 0. */
    String run(String... args) throws IOException, InterruptedException {
        Result r = call(args);
        if (r.status != 0) {
            fail("podman " + String.join(" ", args) + " exited with " + r.status + ":\n" + r.output);
        }
        return r.output;
    }

    /** Runs podman with these arguments and waits at most two minutes. */
    Result call(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PODMAN.toString(),
                "--root", store.resolve("root").toString(),
                "--runroot", store.resolve("run").toString(),
                "--tmpdir", store.resolve("tmp").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("podman-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().put("CONTAINERS_CONF", CONF.toString());
            Process p = builder.start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("podman " + String.join(" ", args) + " did not end within 2 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    record Result(int status, String output) {
    }
}
