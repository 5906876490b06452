package io.yubin.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad values fail both {@code helm template} and {@code helm lint} with a message that names the value. */
class ChartSchemaTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            frontend: {replicas: three}                          | at '/frontend/replicas': got string, want integer
            frontend: {replica: 3}                               | additional properties 'replica' not allowed
            frontend: {containerPorts: {mx: 25}}                 | at '/frontend/containerPorts/mx': minimum: got 25, want 1,024
            service: {proxyProtocol: gcp}                        | at '/service/proxyProtocol': value must be one of
            service: {externalTrafficPolicy: local}              | at '/service/externalTrafficPolicy': value must be one of
            image: {digest: abc123}                              | at '/image/digest'
            frontend: {resources: {limits: {memory: null}}}      | at '/frontend/resources/limits': missing property 'memory'
            frontend: {podDisruptionBudget: {minAvailable: 2}}   | at '/frontend/podDisruptionBudget'
            s3: {endpoint: minio:9000}                           | at '/s3/endpoint'
            cassandra: {contactPoints: cassandra}                | at '/cassandra/contactPoints'
            networkPolicy: {enabled: 'yes'}                      | at '/networkPolicy/enabled': got string, want boolean
            service: {proxyProtocol: custom}                     | at '/service/annotations': minProperties: got 0, want 1
            frontend: {resources: {requests: {cpu: -1}}}         | at '/frontend/resources/requests/cpu'
            """)
    void badValuesFailTemplateAndLintWithAClearMessage(String values, String message) {
        assertThatThrownBy(() -> Chart.render(values)).hasMessageContaining(message.strip());
        LintResult lint = Chart.lint(values);
        assertThat(lint.isFailed()).isTrue();
        assertThat(String.join("\n", lint.getMessages())).contains(message.strip());
    }

    /**
     * Rules across values that a JSON schema cannot state are checked by the templates ({@code fail}):
     * {@code helm template}, {@code install} and {@code upgrade} refuse them. {@code helm lint} only
     * logs a template's fail as "[INFO] Fail: ..." and passes, so lint is not asserted here.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            frontend: {terminationGracePeriodSeconds: 30}                 | frontend.terminationGracePeriodSeconds (30) must be above frontend.preStopSleepSeconds + frontend.shutdownGraceSeconds (30)
            frontend: {containerPorts: {imap: 2525}}                      | is used twice
            frontend: {autoscaling: {enabled: true, maxReplicas: 2}}      | frontend.autoscaling.maxReplicas (2) must be at least frontend.autoscaling.minReplicas (3)
            cassandra: {inChart: {enabled: true, image: {tag: ""}}}        | the image cassandra needs a tag or a digest
            """)
    void valuesThatContradictEachOtherFailTemplate(String values, String message) {
        assertThatThrownBy(() -> Chart.render(values)).hasMessageContaining(message.strip());
    }
}
