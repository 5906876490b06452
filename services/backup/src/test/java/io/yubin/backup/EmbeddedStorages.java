package io.yubin.backup;

import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests over several embedded storages in one temporary directory, each closed after the test. */
abstract class EmbeddedStorages {

    @TempDir
    Path dir;

    private final List<Storage> opened = new ArrayList<>();

    @AfterEach
    void closeStorages() throws Exception {
        for (Storage s : opened) {
            s.close();
        }
    }

    /** The embedded storage in {@code dir/name}, made when new. */
    Storage open(String name) {
        Storage s = EmbeddedStorage.open(dir.resolve(name));
        opened.add(s);
        return s;
    }
}
