package io.mediafanout.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.mediafanout.inngest.InngestConfig;
import io.mediafanout.media.client.IttybitWebhooks;

/**
 * The Kubernetes manifests in {@code deploy/} agree with the code: ports, health and metrics paths, the variables
 * the application reads, the graceful-shutdown timeout, and the security settings the issue asks for.
 */
class DeployManifestTests {

    static final Path DEPLOY = Path.of("deploy");
    static final YAMLMapper YAML = new YAMLMapper();
    static Map<String, JsonNode> byKind = new HashMap<>();
    static Properties properties = new Properties();

    @BeforeAll
    static void load() throws IOException {
        for (String file : List.of("deployment.yaml", "service.yaml", "configmap.yaml", "secret.template.yaml",
                "hpa.yaml", "pdb.yaml")) {
            JsonNode doc = YAML.readTree(DEPLOY.resolve("base").resolve(file).toFile());
            byKind.put(doc.path("kind").asText(), doc);
        }
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
    }

    static JsonNode container() {
        return byKind.get("Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    }

    static int httpPort() {
        return Integer.parseInt(properties.getProperty("quarkus.http.port", "8080"));
    }

    @Test
    void everyKustomizationListsFilesThatExist() throws IOException {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            for (Path kustomization : files.filter(p -> p.getFileName().toString().equals("kustomization.yaml")).toList()) {
                JsonNode doc = YAML.readTree(kustomization.toFile());
                for (String section : List.of("resources", "components")) {
                    for (JsonNode entry : doc.path(section)) {
                        assertThat(kustomization.getParent().resolve(entry.asText())).as(kustomization + " " + section)
                                .exists();
                    }
                }
            }
        }
    }

    @Test
    void theContainerServesTheApplicationPortWithTheHealthProbes() {
        JsonNode container = container();
        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(httpPort());
        assertThat(container.path("ports").get(0).path("name").asText()).isEqualTo("http");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/started");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.path(probe).path("httpGet").path("port").asText()).isEqualTo("http");
        }
        assertThat(byKind.get("Service").path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
    }

    @Test
    void prometheusScrapesTheMetricsPath() {
        for (JsonNode annotations : List.of(byKind.get("Service").path("metadata").path("annotations"),
                byKind.get("Deployment").path("spec").path("template").path("metadata").path("annotations"))) {
            assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
            assertThat(annotations.path("prometheus.io/path").asText()).isEqualTo("/q/metrics");
            assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo(Integer.toString(httpPort()));
        }
    }

    @Test
    void podsRunAsNonRootOnAReadOnlyFilesystemWithoutCapabilities() {
        JsonNode pod = byKind.get("Deployment").path("spec").path("template").path("spec");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        JsonNode security = container().path("securityContext");
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(security.path("capabilities").path("drop").get(0).asText()).isEqualTo("ALL");
        assertThat(container().path("resources").path("requests").has("memory")).isTrue();
        assertThat(container().path("resources").path("limits").has("memory")).isTrue();
    }

    @Test
    void terminationWaitsForTheDrainDelayAndTheShutdownTimeoutWhichCoversTheLongestIttybitCall() {
        Duration shutdown = Duration.parse(properties.getProperty("quarkus.shutdown.timeout"));
        // a step makes one guarded Ittybit call: retries for at most its branch's max-duration (refused at start
        // above MediaConfig.Retry.LONGEST), then one last call with its connect and read timeouts
        Duration longestCall = io.mediafanout.media.config.MediaConfig.Retry.LONGEST.plusMillis(Long.parseLong(
                properties.getProperty("quarkus.rest-client.ittybit.connect-timeout"))).plusMillis(Long.parseLong(
                properties.getProperty("quarkus.rest-client.ittybit.read-timeout")));
        long grace = byKind.get("Deployment").path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds").asLong();
        assertThat(shutdown).isGreaterThanOrEqualTo(longestCall).isLessThanOrEqualTo(Duration.ofSeconds(30));
        // the drain first: the pod serves, unready, while the endpoints drop it; then the timeout; then a margin
        assertThat(properties.getProperty("quarkus.shutdown.delay-enabled")).isEqualTo("true");
        Duration delay = Duration.parse(properties.getProperty("quarkus.shutdown.delay"));
        assertThat(delay).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(15));
        assertThat(Duration.ofSeconds(grace)).isGreaterThanOrEqualTo(delay.plus(shutdown).plusSeconds(5))
                .isLessThanOrEqualTo(delay.plus(shutdown).plusSeconds(15));
    }

    @Test
    void everyPodAtTheAutoscalersMaximumFitsInPostgresDefaultConnectionLimit() {
        int pods = byKind.get("HorizontalPodAutoscaler").path("spec").path("maxReplicas").asInt();
        int perPod = Integer.parseInt(properties.getProperty("quarkus.datasource.reactive.max-size"))
                + Integer.parseInt(properties.getProperty("quarkus.datasource.jdbc.max-size"));
        // PostgreSQL's default max_connections (100) minus superuser_reserved_connections (3)
        assertThat(pods * perPod).isLessThanOrEqualTo(97);
    }

    /** The environment variables a config mapping reads, its groups (nested interfaces) included. */
    private static void collectVariables(Class<?> mapping, String prefix, Set<String> into) {
        for (Method m : mapping.getMethods()) {
            String name = prefix + "_" + m.getName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
            into.add(name);
            if (m.getReturnType().isInterface() && m.getReturnType().getDeclaringClass() == InngestConfig.class) {
                collectVariables(m.getReturnType(), name, into);
            }
        }
    }

    @Test
    void theConcurrencyDeclaredToInngestCountsTheAutoscalersMaximum() throws IOException {
        int pods = byKind.get("HorizontalPodAutoscaler").path("spec").path("maxReplicas").asInt();
        JsonNode config = byKind.get("ConfigMap").path("data");
        assertThat(config.path("INNGEST_CONCURRENCY_REPLICAS").asText()).isEqualTo(Integer.toString(pods));
    }

    @Test
    void aCallWaitingForAdmissionThenRunningEndsWithinTheIngressReadTimeout() throws Exception {
        // nginx's default proxy-read-timeout (60 s) against the admission wait plus the longest step call (the
        // shutdown timeout covers it, see above)
        Duration wait = Duration.parse(io.mediafanout.inngest.InngestConfig.AdmissionLimits.class
                .getMethod("maxWait").getAnnotation(io.smallrye.config.WithDefault.class).value());
        Duration longestCall = Duration.parse(properties.getProperty("quarkus.shutdown.timeout"));
        assertThat(wait.plus(longestCall)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void theIngressKeepsTheControllersDefaultTimeoutsBecauseStepCallsAreShort() throws IOException {
        JsonNode annotations = YAML.readTree(DEPLOY.resolve("overlays/example/ingress.yaml").toFile())
                .path("metadata").path("annotations");
        assertThat(annotations.has("nginx.ingress.kubernetes.io/proxy-read-timeout")).isFalse();
        assertThat(annotations.has("nginx.ingress.kubernetes.io/proxy-send-timeout")).isFalse();
    }

    @Test
    void theDeploymentReadsTheConfigMapAndTheSecretItDeclares() {
        List<String> refs = new ArrayList<>();
        for (JsonNode from : container().path("envFrom")) {
            refs.add(from.has("configMapRef") ? "ConfigMap/" + from.path("configMapRef").path("name").asText()
                    : "Secret/" + from.path("secretRef").path("name").asText());
        }
        assertThat(refs).containsExactlyInAnyOrder(
                "ConfigMap/" + byKind.get("ConfigMap").path("metadata").path("name").asText(),
                "Secret/" + byKind.get("Secret").path("metadata").path("name").asText());
        assertThat(byKind.get("Secret").path("stringData").fieldNames()).toIterable().containsExactlyInAnyOrder(
                "ITTYBIT_API_KEY", "ITTYBIT_WEBHOOK_SECRET", "MEDIA_CALLBACKS_SECRET", "MEDIA_LIVE_TOKEN_SECRETS", "INNGEST_SIGNING_KEY", "INNGEST_SIGNING_KEY_FALLBACK", "INNGEST_EVENT_KEY",
                "MEDIA_API_KEYS", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");
        byKind.get("Secret").path("stringData").forEach(value -> assertThat(value.asText()).matches("|<.*>"));
    }

    @Test
    void everyVariableTheManifestsSetIsReadByTheAppAndDocumented() throws IOException {
        Set<String> names = new HashSet<>();
        byKind.get("ConfigMap").path("data").fieldNames().forEachRemaining(names::add);
        byKind.get("Secret").path("stringData").fieldNames().forEachRemaining(names::add);
        String readme = Files.readString(Path.of("README.md"));
        Set<String> inngestVariables = new HashSet<>();
        collectVariables(InngestConfig.class, "INNGEST", inngestVariables);
        String allProperties = Files.readString(Path.of("src/main/resources/application.properties"));
        for (String name : names) {
            assertThat(readme).as("README documents " + name).contains("`" + name + "`");
            if (name.startsWith("INNGEST_")) {
                assertThat(inngestVariables).as("InngestConfig reads " + name).contains(name);
            } else if (name.startsWith("ITTYBIT_") || name.startsWith("MEDIA_")) {
                assertThat(allProperties).as("application.properties reads " + name).contains("${" + name);
            } else {
                assertThat(name).as("a Quarkus setting").startsWith("QUARKUS_");
            }
        }
    }

    @Test
    void theAutoscalerAndBudgetTargetTheDeployment() {
        String name = byKind.get("Deployment").path("metadata").path("name").asText();
        assertThat(byKind.get("HorizontalPodAutoscaler").path("spec").path("scaleTargetRef").path("name").asText())
                .isEqualTo(name);
        JsonNode podLabels = byKind.get("Deployment").path("spec").path("template").path("metadata").path("labels");
        for (JsonNode selector : List.of(byKind.get("PodDisruptionBudget").path("spec").path("selector").path("matchLabels"),
                byKind.get("Service").path("spec").path("selector"),
                byKind.get("Deployment").path("spec").path("selector").path("matchLabels"))) {
            selector.fields().forEachRemaining(e -> assertThat(podLabels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
        }
    }

    @Test
    void theIngressRoutesTheServePathToTheService() throws IOException {
        JsonNode ingress = YAML.readTree(DEPLOY.resolve("overlays/example/ingress.yaml").toFile());
        List<String> paths = new ArrayList<>();
        ingress.path("spec").path("rules").get(0).path("http").path("paths").forEach(p -> {
            paths.add(p.path("path").asText());
            assertThat(p.path("backend").path("service").path("name").asText()).isEqualTo("media-fanout");
        });
        assertThat(paths).contains("/api/inngest", "/media", IttybitWebhooks.PATH);
        String overlay = Files.readString(DEPLOY.resolve("overlays/example/kustomization.yaml"));
        String host = "https://" + ingress.path("spec").path("rules").get(0).path("host").asText();
        for (String variable : List.of("INNGEST_SERVE_ORIGIN", "ITTYBIT_WEBHOOK_BASE_URL")) {
            Matcher origin = Pattern.compile(variable + "=(\\S+)").matcher(overlay);
            assertThat(origin.find()).as(variable + " in the example overlay").isTrue();
            assertThat(origin.group(1)).as(variable).isEqualTo(host);
        }
    }

    /** {@code 256Mi} → bytes (the Kubernetes binary suffixes used here). */
    static long bytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)").matcher(quantity);
        assertThat(m.matches()).as(quantity).isTrue();
        long unit = switch (m.group(2)) {
            case "Ki" -> 1024L;
            case "Mi" -> 1024L * 1024;
            default -> 1024L * 1024 * 1024;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    @Test
    void theJvmComponentGivesThePodTheMemoryJvmOptionsSizesTheHeapFrom() throws IOException {
        JsonNode component = YAML.readTree(DEPLOY.resolve("components/jvm/kustomization.yaml").toFile());
        assertThat(component.path("kind").asText()).isEqualTo("Component");
        JsonNode patch = YAML.readTree(DEPLOY.resolve("components/jvm/deployment-jvm.yaml").toFile());
        assertThat(patch.path("metadata").path("name").asText())
                .isEqualTo(byKind.get("Deployment").path("metadata").path("name").asText());
        JsonNode resources = patch.path("spec").path("template").path("spec").path("containers").get(0).path("resources");
        long limit = bytes(resources.path("limits").path("memory").asText());
        long request = bytes(resources.path("requests").path("memory").asText());
        // the heap is a quarter of the limit (jvm.options), whether the JVM sees the limit as small or not
        List<String> options = Files.readAllLines(Path.of("jvm.options")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(options).contains("-XX:MaxRAMPercentage=25", "-XX:MinRAMPercentage=25", "-XX:+UseSerialGC");
        // with a JDK 25 AOT cache, its archived objects need the initial heap a 256 MiB limit gives (6.25 %: 16 MiB)
        assertThat(limit).isGreaterThanOrEqualTo(256L * 1024 * 1024);
        // measured: 180 MiB resident at peak under the serve bench (docs/benchmarks.md), so the request covers it
        assertThat(request).isGreaterThanOrEqualTo(190L * 1024 * 1024).isLessThan(limit);
        String overlay = Files.readString(DEPLOY.resolve("overlays/jvm/kustomization.yaml"));
        assertThat(overlay).contains("../../components/jvm").contains("media-fanout-jvm");
    }

    @Test
    void theDashboardIsAConfigMapTheGrafanaSidecarLoadsWithOnePrometheusQueryPerTarget() throws IOException {
        JsonNode kustomization = YAML.readTree(Monitoring.COMPONENT.resolve("kustomization.yaml").toFile());
        assertThat(kustomization.path("kind").asText()).isEqualTo("Component");
        JsonNode generator = kustomization.path("configMapGenerator").get(0);
        assertThat(generator.path("files").get(0).asText()).isEqualTo("media-fanout.json");
        assertThat(generator.path("options").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        assertThat(kustomization.path("resources").get(0).asText()).isEqualTo("prometheusrule.yaml");

        JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readString(Monitoring.COMPONENT.resolve("media-fanout.json")));
        assertThat(dashboard.path("uid").asText()).isEqualTo("media-fanout");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
            if (!panel.path("type").asText().equals("row")) {
                assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
                assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            }
        }
        // what the issue lists, each on a panel
        String all = dashboard.toString();
        assertThat(all).contains("media_runs_started_total", "media_runs_total", "media_branch_duration_seconds_bucket",
                "ittybit_requests_total", "inngest_signature_rejections_total", "ittybit_webhooks_total",
                "inngest_executions_total", "jvm_memory_used_bytes", "http_server_requests_seconds_bucket");
        for (Monitoring.Expression e : Monitoring.dashboard()) {
            assertThat(Monitoring.metricNames(e.promql())).as(e.where()).isNotEmpty();
        }
    }

    @Test
    void theAlertRulesCoverFailuresSlowBranchesIttybitErrorsSignatureRejectionsAndFlappingReadiness() throws IOException {
        JsonNode rule = YAML.readTree(Monitoring.COMPONENT.resolve("prometheusrule.yaml").toFile());
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
        Map<String, Set<String>> byAlert = new HashMap<>();
        for (Monitoring.Expression e : Monitoring.rules()) {
            byAlert.put(e.where(), Monitoring.metricNames(e.promql()));
        }
        assertThat(byAlert).containsOnlyKeys("alert MediaFanoutRunsFailing", "alert MediaFanoutBranchSlow",
                "alert IttybitErrorsBurst", "alert InngestSignatureRejectionsSpiking", "alert MediaFanoutReadinessFlapping");
        assertThat(byAlert.get("alert MediaFanoutRunsFailing")).containsExactly("media_runs_total");
        assertThat(byAlert.get("alert MediaFanoutBranchSlow")).containsExactly("media_branch_duration_seconds_bucket");
        assertThat(byAlert.get("alert IttybitErrorsBurst")).containsExactly("ittybit_requests_total");
        assertThat(byAlert.get("alert InngestSignatureRejectionsSpiking")).containsExactly("inngest_signature_rejections_total");
        assertThat(byAlert.get("alert MediaFanoutReadinessFlapping")).containsExactly("kube_pod_status_ready");
        for (JsonNode group : rule.path("spec").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                assertThat(r.path("labels").path("severity").asText()).as(r.path("alert").asText()).isIn("warning", "critical");
                assertThat(r.path("annotations").path("summary").asText()).isNotBlank();
                assertThat(r.path("for").asText()).matches("\\d+m");
            }
        }
    }

    @Test
    void metricNamesAreReadFromPromqlWithoutFunctionsLabelsOrKeywords() {
        assertThat(Monitoring.metricNames("histogram_quantile(0.95, sum by (le, branch) "
                + "(rate(media_branch_duration_seconds_bucket{namespace=\"$namespace\",outcome=\"completed\"}[$__rate_interval])))"))
                .containsExactly("media_branch_duration_seconds_bucket");
        assertThat(Monitoring.metricNames("sum(a_total{x=\"b_total\"}) / on (pod) group_left(area) c_bytes > 1e-9 and d"))
                .containsExactly("a_total", "c_bytes", "d");
        assertThat(Monitoring.metricNames("changes(kube_pod_status_ready{condition=\"true\"}[30m]) > 4"))
                .containsExactly("kube_pod_status_ready");
    }
}
