package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DkimSignatureTest {

    static final String VALID = "v=1; a=rsa-sha256; d=Example.COM; s=Sel1; h=From:Subject; bh=YWJj; b=ZGVm";

    @Test
    void readsTheTagsOfSection35() throws Exception {
        DkimSignature sig = parse(VALID + "; c=relaxed; i=joe@mail.example.com; l=42; t=1700000000; x=1700000100;"
                + " q=dns/txt; z=From:x; unknown=kept out");

        assertThat(sig.algorithm()).isEqualTo(DkimAlgorithm.RSA_SHA256);
        assertThat(sig.domain()).isEqualTo("example.com");
        assertThat(sig.selector()).isEqualTo("sel1");
        assertThat(sig.keyName()).isEqualTo("sel1._domainkey.example.com");
        assertThat(sig.signedHeaders()).containsExactly("from", "subject");
        // §3.5 c=: "relaxed" alone is relaxed/simple
        assertThat(sig.headerCanonicalization()).isEqualTo(Canonicalization.RELAXED);
        assertThat(sig.bodyCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(sig.identity()).isEqualTo("joe@mail.example.com");
        assertThat(sig.bodyLength()).isEqualTo(42);
        assertThat(sig.timestamp()).isEqualTo(1_700_000_000L);
        assertThat(sig.expiration()).isEqualTo(1_700_000_100L);
        assertThat(new String(sig.bodyHash(), StandardCharsets.US_ASCII)).isEqualTo("abc");
    }

    @Test
    void defaultsAreSimpleSimpleTheWholeBodyAndTheDomainAsIdentity() throws Exception {
        DkimSignature sig = parse(VALID);

        assertThat(sig.headerCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(sig.bodyCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(sig.identity()).isEqualTo("@example.com");
        assertThat(sig.bodyLength()).isEqualTo(-1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj|missing b=",
        "v=2; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm|unsupported version v=2",
        "v=1; a=rsa-sha512; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm|unsupported algorithm a=rsa-sha512",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=to:subject; bh=YWJj; b=ZGVm|From not signed",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm; i=joe@example.net|i= not within d=",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm; i=joe@badexample.com|i= not within d=",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm; c=fancy|unsupported canonicalization fancy",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm; q=https|unsupported q=https",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm; t=20; x=10|x= not after t=",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=ZGVm; l=-1|bad l=",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YWJj; b=Z!Vm|b= is not base64",
        "v=1; a=rsa-sha256; d=exa mple.com; s=s; h=from; bh=YWJj; b=ZGVm|bad d=",
        "v=1; a=rsa-sha256; d=example.com; s=a/b; h=from; bh=YWJj; b=ZGVm|bad s=",
        "v=1; a=rsa-sha256; d=example.com; s=s; h=from::to; bh=YWJj; b=ZGVm|empty name in h="})
    void refusesSignaturesItCannotProcess(String value, String reason) {
        assertThatThrownBy(() -> parse(value)).isInstanceOf(DkimFormatException.class).hasMessage(reason);
    }

    @Test
    void aHugeBodyLengthIsReadAsMoreThanAnyBody() throws Exception {
        assertThat(parse(VALID + "; l=" + "9".repeat(76)).bodyLength()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void emptiesTheValueOfBWithItsWhiteSpaceButNotBh() {
        HeaderField field = new HeaderField(("DKIM-Signature: v=1; bh=YWJj;\r\n b = ZG\r\n Vm ;\r\n s=x\r\n")
                .getBytes(StandardCharsets.US_ASCII));

        assertThat(new String(DkimSignature.withoutSignatureValue(field), StandardCharsets.US_ASCII))
                .isEqualTo("DKIM-Signature: v=1; bh=YWJj;\r\n b =;\r\n s=x\r\n");
    }

    @Test
    void emptiesALastB() {
        HeaderField field = new HeaderField(("DKIM-Signature: v=1; b=ZGVm\r\n ZGVm\r\n")
                .getBytes(StandardCharsets.US_ASCII));

        assertThat(new String(DkimSignature.withoutSignatureValue(field), StandardCharsets.US_ASCII))
                .isEqualTo("DKIM-Signature: v=1; b=\r\n");
    }

    static DkimSignature parse(String value) throws DkimFormatException {
        HeaderField field = new HeaderField(("DKIM-Signature: " + value + "\r\n").getBytes(StandardCharsets.UTF_8));
        return DkimSignature.parse(field, TagList.parse(field.value()));
    }
}
