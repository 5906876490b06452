package io.yubin.store.embedded;

import java.sql.Connection;
import java.sql.SQLException;

/** One unit of database work, run on a backend thread with a connection it must not keep. */
@FunctionalInterface
interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
