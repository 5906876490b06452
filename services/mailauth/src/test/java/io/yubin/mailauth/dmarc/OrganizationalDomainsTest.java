package io.yubin.mailauth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OrganizationalDomainsTest {

    /** Debian's publicsuffix package (.ci/install-packages); without it the test fails. */
    static final Path DEBIAN_LIST = Path.of("/usr/share/publicsuffix/public_suffix_list.dat");

    static OrganizationalDomains debian() throws Exception {
        assertThat(DEBIAN_LIST).as("install publicsuffix (.ci/install-packages)").isRegularFile();
        return OrganizationalDomains.load(DEBIAN_LIST);
    }

    @Test
    void followsThePublicSuffixListAlgorithm() throws Exception {
        OrganizationalDomains list = OrganizationalDomains.read(new StringReader("""
                // comment
                com
                uk
                co.uk
                *.ck
                !www.ck
                example.net  trailing text is ignored
                """));
        assertThat(list.of("example.com")).isEqualTo("example.com");
        assertThat(list.of("a.b.Example.COM.")).isEqualTo("example.com");
        assertThat(list.of("mail.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(list.of("co.uk")).isEqualTo("co.uk");
        // wildcard: every label under ck is a public suffix, except www.ck
        assertThat(list.of("a.b.foo.ck")).isEqualTo("b.foo.ck");
        assertThat(list.of("a.www.ck")).isEqualTo("www.ck");
        // the implicit "*" rule: an unlisted TLD is a public suffix
        assertThat(list.of("x.y.unlisted")).isEqualTo("y.unlisted");
        assertThat(list.of("host.example.net")).isEqualTo("host.example.net");
    }

    @Test
    void readsDebiansListWithInternationalRules() throws Exception {
        OrganizationalDomains list = debian();
        assertThat(list.of("mail.example.com")).isEqualTo("example.com");
        assertThat(list.of("a.b.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(list.of("www.city.kawasaki.jp")).isEqualTo("city.kawasaki.jp");
        // a private-section rule
        assertThat(list.of("someone.github.io")).isEqualTo("someone.github.io");
        // a U-label rule in the list matches the A-label name: 公司.cn
        assertThat(list.of("www.example.xn--55qx5d.cn")).isEqualTo("example.xn--55qx5d.cn");
        assertThat(Files.size(DEBIAN_LIST)).isPositive();
    }
}
