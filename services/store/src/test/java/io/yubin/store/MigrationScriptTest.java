package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MigrationScriptTest {

    @Test
    void splitsOnSemicolonsThatEndALineAndSkipsComments() {
        assertThat(MigrationScript.split("""
                -- a comment; not a statement
                CREATE TABLE a (
                    x int, -- inline text stays
                    y text);

                INSERT INTO a VALUES (1, 'a;b');
                CREATE INDEX i ON a (y)
                """)).containsExactly("CREATE TABLE a (\n    x int, -- inline text stays\n    y text)",
                "INSERT INTO a VALUES (1, 'a;b')", "CREATE INDEX i ON a (y)");
    }

    @Test
    void theVersionIsTheNumberAfterTheV() {
        assertThat(MigrationScript.version("V12__blob_structure.cql")).isEqualTo(12);
    }
}
