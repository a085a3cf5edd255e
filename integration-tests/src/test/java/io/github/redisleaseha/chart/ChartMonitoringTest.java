package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.ChartTest.volume;
import static io.github.redisleaseha.chart.RenderedChart.env;
import static io.github.redisleaseha.chart.RenderedChart.render;
import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1Volume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * metrics.* (the redis_exporter container, PodMonitor, ServiceMonitor) and grafanaDashboard.*.
 * PodMonitor and ServiceMonitor are custom resources client-java has no model for: they are checked
 * by structure against the fields of monitoring.coreos.com/v1 ({@link #assertMonitorShape}).
 */
class ChartMonitoringTest {

  private static final Map<String, String> POD_LABELS =
      Map.of("app.kubernetes.io/name", "redis-lease-ha", "app.kubernetes.io/instance", "demo");

  /**
   * The metric names of the sidecar's /metrics (issue 13's contract, /tmp/metrics-contract.md):
   * histograms by their base name. The dashboard may query these and no others.
   */
  static final Set<String> CONTRACT = Set.of(
      "redis_lease_ha_role",
      "redis_lease_ha_is_leader",
      "redis_lease_ha_lease_transitions",
      "redis_lease_ha_failovers_total",
      "redis_lease_ha_last_failover_phase_seconds",
      "redis_lease_ha_replication_lag_bytes",
      "redis_lease_ha_health_check_failures_total",
      "redis_lease_ha_fenced",
      "redis_lease_ha_paused",
      "redis_lease_ha_failover_phase_seconds",
      "redis_lease_ha_failover_seconds",
      "redis_lease_ha_fences_total",
      "redis_lease_ha_unfences_total",
      "redis_lease_ha_handovers_total",
      "redis_lease_ha_api_requests_total",
      "redis_lease_ha_api_request_duration_seconds",
      "redis_lease_ha_candidate",
      "redis_lease_ha_max_lag_bytes",
      "jvm_memory_used_bytes",
      "jvm_threads_current",
      "jvm_gc_collection_seconds");

  @Test
  void monitoringIsOffByDefault() throws Exception {
    RenderedChart chart = render(Map.of());
    assertThat(chart.customResources).isEmpty();
    assertThat(chart.find(V1Service.class, "demo-redis-lease-ha-metrics")).isEmpty();
    assertThat(chart.all(V1ConfigMap.class)).isEmpty();
    V1PodSpec pod = chart.statefulSet().getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).extracting(V1Container::getName).containsExactly("redis", "sidecar");
    assertThat(pod.getInitContainers()).isNullOrEmpty();
    assertThat(pod.getVolumes()).extracting(V1Volume::getName).doesNotContain("exporter-auth");
  }

  @Test
  void podMonitorScrapesEverySidecarAtMetrics() throws Exception {
    RenderedChart chart = render(values("metrics.podMonitor.enabled", true));
    Map<String, Object> monitor = chart.custom("PodMonitor", "demo-redis-lease-ha");
    assertMonitorShape(monitor, "PodMonitor");
    assertThat(map(monitor, "metadata")).containsEntry("namespace", "db");
    assertThat(map(map(monitor, "spec"), "selector")).isEqualTo(Map.of("matchLabels", POD_LABELS));
    assertThat(chart.statefulSet().getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(POD_LABELS);
    assertThat(map(map(monitor, "spec"), "namespaceSelector")).isEqualTo(Map.of("matchNames", List.of("db")));
    assertThat(endpoints(monitor)).singleElement().isEqualTo(
        Map.of("port", "http", "path", "/metrics", "interval", "30s", "honorLabels", false));
    // The port it names is the sidecar's.
    assertThat(chart.container("sidecar").getPorts()).anyMatch(p -> p.getName().equals("http") && p.getContainerPort() == 8080);
    // No Service for a PodMonitor.
    assertThat(chart.find(V1Service.class, "demo-redis-lease-ha-metrics")).isEmpty();
    assertThat(chart.findCustom("ServiceMonitor", "demo-redis-lease-ha")).isEmpty();
  }

  @Test
  void monitorSettingsReachEveryEndpoint() throws Exception {
    for (String kind : List.of("podMonitor", "serviceMonitor")) {
      String p = "metrics." + kind + ".";
      RenderedChart chart = render(values(p + "enabled", true, "metrics.enabled", true,
          p + "namespace", "monitoring", p + "interval", "15s", p + "scrapeTimeout", "10s", p + "honorLabels", true,
          p + "additionalLabels.release", "kube-prometheus-stack",
          p + "relabelings[0].sourceLabels[0]", "__meta_kubernetes_pod_node_name",
          p + "relabelings[0].targetLabel", "node",
          p + "relabelings[0].action", "replace",
          p + "metricRelabelings[0].sourceLabels[0]", "__name__",
          p + "metricRelabelings[0].regex", "go_.*",
          p + "metricRelabelings[0].action", "drop"));
      String crd = kind.equals("podMonitor") ? "PodMonitor" : "ServiceMonitor";
      Map<String, Object> monitor = chart.custom(crd, "demo-redis-lease-ha");
      assertMonitorShape(monitor, crd);
      assertThat(map(monitor, "metadata")).containsEntry("namespace", "monitoring");
      assertThat(map(map(monitor, "metadata"), "labels")).containsEntry("release", "kube-prometheus-stack");
      // In another namespace, it still selects the release's.
      assertThat(map(map(monitor, "spec"), "namespaceSelector")).isEqualTo(Map.of("matchNames", List.of("db")));
      assertThat(endpoints(monitor)).as(kind).extracting(e -> e.get("port")).containsExactly("http", "metrics");
      for (Map<String, Object> e : endpoints(monitor)) {
        assertThat(e).as(kind)
            .containsEntry("path", "/metrics")
            .containsEntry("interval", "15s")
            .containsEntry("scrapeTimeout", "10s")
            .containsEntry("honorLabels", true)
            .containsEntry("relabelings", List.of(Map.of("sourceLabels", List.of("__meta_kubernetes_pod_node_name"),
                "targetLabel", "node", "action", "replace")))
            .containsEntry("metricRelabelings", List.of(Map.of("sourceLabels", List.of("__name__"), "regex", "go_.*",
                "action", "drop")));
      }
    }
  }

  @Test
  void serviceMonitorSelectsOnlyTheMetricsServiceWhichListsEveryPodReadyOrNot() throws Exception {
    RenderedChart chart = render(values("metrics.serviceMonitor.enabled", true));
    Map<String, Object> monitor = chart.custom("ServiceMonitor", "demo-redis-lease-ha");
    assertMonitorShape(monitor, "ServiceMonitor");
    assertThat(endpoints(monitor)).singleElement().isEqualTo(
        Map.of("port", "http", "path", "/metrics", "interval", "30s", "honorLabels", false));
    V1Service service = chart.service("metrics");
    assertThat(service.getSpec().getSelector()).isEqualTo(POD_LABELS);
    assertThat(service.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getPort()).isEqualTo(8080);
      assertThat(p.getTargetPort().getStrValue()).isEqualTo("http");
    });
    // Of all the chart's Services, the monitor's selector matches the metrics Service alone.
    @SuppressWarnings("unchecked")
    Map<String, String> selector = (Map<String, String>) map(map(monitor, "spec"), "selector").get("matchLabels");
    assertThat(chart.all(V1Service.class))
        .filteredOn(s -> s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .extracting(s -> s.getMetadata().getName()).containsExactly("demo-redis-lease-ha-metrics");
    // Each endpoint names a port of that Service.
    assertThat(service.getSpec().getPorts()).extracting(V1ServicePort::getName)
        .containsAll(endpoints(monitor).stream().map(e -> (String) e.get("port")).toList());

    RenderedChart both = render(values("metrics.serviceMonitor.enabled", true, "metrics.enabled", true,
        "metrics.containerPorts.http", 9122));
    assertThat(both.service("metrics").getSpec().getPorts()).extracting(V1ServicePort::getName, V1ServicePort::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8080), org.assertj.core.groups.Tuple.tuple("metrics", 9122));
    assertThat(endpoints(both.custom("ServiceMonitor", "demo-redis-lease-ha"))).extracting(e -> e.get("port"))
        .containsExactly("http", "metrics");
  }

  @Test
  void injectedIntoYourStatefulSetTheMonitorsSelectYourPods() throws Exception {
    RenderedChart chart = render(values("workload.enabled", false, "workload.podSelector.app", "my-redis",
        "metrics.podMonitor.enabled", true, "metrics.serviceMonitor.enabled", true));
    assertThat(map(map(chart.custom("PodMonitor", "demo-redis-lease-ha"), "spec"), "selector"))
        .isEqualTo(Map.of("matchLabels", Map.of("app", "my-redis")));
    assertThat(chart.service("metrics").getSpec().getSelector()).isEqualTo(Map.of("app", "my-redis"));
  }

  @Test
  void exporterRunsBesideRedisWithThePasswordFromTheMountedSecretNeverAnEnvironmentVariable() throws Exception {
    RenderedChart chart = render(values("metrics.enabled", true));
    V1PodSpec pod = chart.statefulSet().getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).extracting(V1Container::getName).containsExactly("redis", "sidecar", "metrics");
    V1Container exporter = chart.container("metrics");
    assertThat(exporter.getImage()).isEqualTo("docker.io/oliver006/redis_exporter:v1.67.0");
    assertThat(exporter.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(9121);
    });
    assertThat(env(exporter)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "REDIS_ADDR", "redis://127.0.0.1:6379",
        "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", ":9121",
        "REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/exporter-auth/passwords.json"));
    assertThat(exporter.getEnv()).allSatisfy(e -> assertThat(e.getValueFrom()).isNull());
    // The same restrictions as the other containers.
    assertThat(exporter.getSecurityContext()).isEqualTo(chart.container("sidecar").getSecurityContext());
    assertThat(exporter.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(exporter.getResources().getLimits().get("memory").toSuffixedString()).isEqualTo("64Mi");
    assertThat(exporter.getLivenessProbe().getTcpSocket().getPort().getStrValue()).isEqualTo("metrics");

    // redis_exporter's password file is JSON (address to password): an init container writes it from
    // the mounted Secret into a memory-backed emptyDir the exporter mounts.
    V1Container init = pod.getInitContainers().get(0);
    assertThat(pod.getInitContainers()).hasSize(1);
    assertThat(init.getName()).isEqualTo("exporter-auth");
    assertThat(init.getSecurityContext()).isEqualTo(exporter.getSecurityContext());
    assertThat(init.getImage()).isEqualTo(chart.container("redis").getImage());
    assertThat(volume(chart.statefulSet(), "exporter-auth").getEmptyDir().getMedium()).isEqualTo("Memory");
    assertThat(exporter.getVolumeMounts()).singleElement().satisfies(m -> {
      assertThat(m.getName()).isEqualTo("exporter-auth");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(init.getVolumeMounts()).extracting(m -> m.getName() + " " + m.getMountPath()).containsExactlyInAnyOrder(
        "redis-auth /etc/redis-lease-ha/auth", "exporter-auth /etc/redis-lease-ha/exporter-auth");
    // Run it: a password with quotes and backslashes comes out as the JSON string of itself.
    String password = "p\"a\\ss w0rd'$x";
    assertThat(runPasswordScript(init, "password", password))
        .isEqualTo(Map.of("redis://127.0.0.1:6379", password));
    assertThat(chart.yaml).doesNotContain("REDIS_PASSWORD\n");
  }

  @Test
  void exporterUsesTheSidecarsCertificatesWithTls() throws Exception {
    RenderedChart chart = render(values("metrics.enabled", true, "tls.enabled", true, "tls.existingSecret", "redis-tls",
        "auth.passwordKey", "pw"));
    V1Container exporter = chart.container("metrics");
    assertThat(env(exporter))
        .containsEntry("REDIS_ADDR", "rediss://127.0.0.1:6379")
        .containsEntry("REDIS_EXPORTER_TLS_CA_CERT_FILE", "/etc/redis-lease-ha/tls/ca.crt")
        .containsEntry("REDIS_EXPORTER_TLS_CLIENT_CERT_FILE", "/etc/redis-lease-ha/tls/tls.crt")
        .containsEntry("REDIS_EXPORTER_TLS_CLIENT_KEY_FILE", "/etc/redis-lease-ha/tls/tls.key")
        .containsEntry("REDIS_EXPORTER_SKIP_TLS_VERIFICATION", "true");
    assertThat(env(chart.container("sidecar"))).containsEntry("REDIS_TLS_CERT_FILE", "/etc/redis-lease-ha/tls/tls.crt");
    assertThat(exporter.getVolumeMounts()).extracting(m -> m.getName() + " " + m.getMountPath())
        .contains("redis-tls /etc/redis-lease-ha/tls");
    // The password file is keyed by the TLS address.
    V1Container init = chart.statefulSet().getSpec().getTemplate().getSpec().getInitContainers().get(0);
    assertThat(runPasswordScript(init, "pw", "secret")).isEqualTo(Map.of("rediss://127.0.0.1:6379", "secret"));
    assertThat(env(render(values("metrics.enabled", true, "tls.enabled", true, "tls.existingSecret", "redis-tls",
        "metrics.skipTlsVerification", false)).container("metrics")))
        .containsEntry("REDIS_EXPORTER_SKIP_TLS_VERIFICATION", "false");
  }

  @Test
  void exporterWithoutAuthNeedsNoPasswordFile() throws Exception {
    RenderedChart chart = render(values("metrics.enabled", true, "auth.enabled", false, "redis.port", 6380,
        "metrics.containerPorts.http", 9122));
    V1PodSpec pod = chart.statefulSet().getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).isNullOrEmpty();
    assertThat(pod.getVolumes()).extracting(V1Volume::getName).doesNotContain("exporter-auth");
    assertThat(env(chart.container("metrics"))).containsExactlyInAnyOrderEntriesOf(Map.of(
        "REDIS_ADDR", "redis://127.0.0.1:6380", "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", ":9122"));
    assertThat(chart.container("metrics").getVolumeMounts()).isNullOrEmpty();
  }

  @Test
  void exporterImageTakesItsRegistryOrTheGlobalOne() throws Exception {
    assertThat(render(values("metrics.enabled", true, "metrics.image.registry", "quay.io", "metrics.image.tag", "v1.70.0",
        "metrics.image.pullPolicy", "Always")).container("metrics"))
        .satisfies(c -> {
          assertThat(c.getImage()).isEqualTo("quay.io/oliver006/redis_exporter:v1.70.0");
          assertThat(c.getImagePullPolicy()).isEqualTo("Always");
        });
    assertThat(render(values("metrics.enabled", true, "global.imageRegistry", "mirror.local:5000")).container("metrics").getImage())
        .isEqualTo("mirror.local:5000/oliver006/redis_exporter:v1.67.0");
    assertThat(render(values("metrics.enabled", true, "metrics.image.registry", "")).container("metrics").getImage())
        .isEqualTo("oliver006/redis_exporter:v1.67.0");
  }

  @Test
  void dashboardConfigMapCarriesTheJsonForGrafanasSidecar() throws Exception {
    assertThat(render(values("grafanaDashboard.create", false)).all(V1ConfigMap.class)).isEmpty();
    RenderedChart chart = render(values("grafanaDashboard.create", true));
    V1ConfigMap map = chart.get(V1ConfigMap.class, "demo-redis-lease-ha-dashboard");
    assertThat(map.getMetadata().getNamespace()).isEqualTo("db");
    assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1").containsAllEntriesOf(POD_LABELS);
    String json = map.getData().get("redis-lease-ha.json");
    assertThat(json).isEqualTo(Files.readString(dashboardFile()).strip());
    assertThat(JsonParser.parseString(json).getAsJsonObject().get("uid").getAsString()).isEqualTo("redis-lease-ha");

    V1ConfigMap elsewhere = render(values("grafanaDashboard.create", true, "grafanaDashboard.namespace", "grafana",
        "grafanaDashboard.labels.grafana_dashboard", "yes", "grafanaDashboard.labels.team", "db"))
        .get(V1ConfigMap.class, "demo-redis-lease-ha-dashboard");
    assertThat(elsewhere.getMetadata().getNamespace()).isEqualTo("grafana");
    assertThat(elsewhere.getMetadata().getLabels()).containsEntry("grafana_dashboard", "yes").containsEntry("team", "db");
  }

  @Test
  void dashboardQueriesOnlyMetricsOfTheContract() throws Exception {
    Set<String> used = dashboardMetrics();
    assertThat(used).isSubsetOf(CONTRACT);
    // And shows what the issue asks for: who leads, failovers and phase times, lag, fencing, pause,
    // candidates, API traffic.
    assertThat(used).contains(
        "redis_lease_ha_is_leader",
        "redis_lease_ha_failovers_total", "redis_lease_ha_failover_phase_seconds", "redis_lease_ha_last_failover_phase_seconds",
        "redis_lease_ha_replication_lag_bytes", "redis_lease_ha_max_lag_bytes",
        "redis_lease_ha_fenced", "redis_lease_ha_fences_total",
        "redis_lease_ha_paused", "redis_lease_ha_candidate",
        "redis_lease_ha_api_requests_total", "redis_lease_ha_api_request_duration_seconds");
    String queries = String.join("\n", dashboardQueries());
    assertThat(queries)
        .contains("histogram_quantile(0.99, sum by (phase, le) (rate(redis_lease_ha_failover_phase_seconds_bucket")
        .contains("sum by (reason) (rate(redis_lease_ha_failovers_total")
        .contains("sum by (verb, resource, code) (rate(redis_lease_ha_api_requests_total")
        .contains("sum by (verb, resource, le) (rate(redis_lease_ha_api_request_duration_seconds_bucket")
        .contains("max by (pod) (redis_lease_ha_is_leader");
  }

  @Test
  void metricNamesAreExtractedFromQueriesWithTheirHistogramSuffixesStripped() {
    assertThat(metricNames("histogram_quantile(0.9, sum by (le) (rate(redis_lease_ha_failover_seconds_bucket{a=\"redis_lease_ha_x\"}[5m])))"
        + " / rate(jvm_gc_collection_seconds_sum[1m]) + redis_lease_ha_api_request_duration_seconds_count"))
        .containsExactlyInAnyOrder("redis_lease_ha_failover_seconds", "jvm_gc_collection_seconds",
            "redis_lease_ha_api_request_duration_seconds", "redis_lease_ha_x");
  }

  @Test
  @SuppressWarnings("unchecked")
  void lintsCleanlyWithEveryNewOptionOn() throws Exception {
    // helm lint takes no values: lint a copy of the chart whose values.yaml turns everything on.
    Path copy = Files.createTempDirectory("chart-");
    try {
      Path chart = copy.resolve("redis-lease-ha");
      ChartTest.copyTree(RenderedChart.chartDir(), chart);
      org.yaml.snakeyaml.Yaml yaml = new org.yaml.snakeyaml.Yaml();
      Map<String, Object> v = yaml.load(Files.readString(chart.resolve("values.yaml")));
      Map<String, Object> metrics = (Map<String, Object>) v.get("metrics");
      metrics.put("enabled", true);
      ((Map<String, Object>) metrics.get("podMonitor")).put("enabled", true);
      ((Map<String, Object>) metrics.get("serviceMonitor")).put("enabled", true);
      ((Map<String, Object>) v.get("grafanaDashboard")).put("create", true);
      Map<String, Object> np = (Map<String, Object>) v.get("networkPolicy");
      np.put("allowExternal", false);
      np.put("ingressNSMatchLabels", Map.of("team", "shop"));
      np.put("kubeAPIServerCIDRs", List.of("10.0.0.10/32"));
      ((Map<String, Object>) v.get("sentinelEndpoint")).put("enabled", true);
      Files.writeString(chart.resolve("values.yaml"), yaml.dump(v));
      var result = new com.marcnuri.helm.Helm(chart).lint().strict().call();
      assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
      RenderedChart all = RenderedChart.render(chart, Map.of());
      assertThat(all.customResources).extracting(r -> r.get("kind")).containsExactlyInAnyOrder("PodMonitor", "ServiceMonitor");
      assertThat(all.find(V1ConfigMap.class, "demo-redis-lease-ha-dashboard")).isPresent();
    } finally {
      ChartTest.deleteTree(copy);
    }
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "metrics.podMonitor.interval|thirty seconds|at '/metrics/podMonitor/interval'",
      "metrics.serviceMonitor.scrapeTimeout|10|at '/metrics/serviceMonitor/scrapeTimeout'",
      "metrics.podMonitor.relabelings[0].actoin|drop|'actoin' not allowed",
      "metrics.serviceMonitor.relabelings[0].action|delete|at '/metrics/serviceMonitor/relabelings/0/action'",
      "metrics.podMonitor.intervall|30s|'intervall' not allowed",
      "metrics.image.tag||at '/metrics/image/tag'",
      "metrics.containerPorts.http|0|at '/metrics/containerPorts/http'",
      "metrics.exporter|true|'exporter' not allowed",
      "metrics.image.digest|sha256:0|'digest' not allowed",
      "metrics.serviceMonitor.jobLabel|app|'jobLabel' not allowed",
      "grafanaDashboard.creat|true|'creat' not allowed",
      "grafanaDashboard.namespace|Grafana_NS|at '/grafanaDashboard/namespace'",
  })
  void schemaRejectsBadMonitoringValuesNamingTheField(String key, String value, String named) {
    Object typed = value == null ? "" : value.matches("-?\\d+") ? (Object) Integer.parseInt(value)
        : value.equals("true") ? (Object) true : value;
    assertThatThrownBy(() -> render(values(key, typed)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  // ---------------------------------------------------------------- helpers

  static Path dashboardFile() {
    return RenderedChart.chartDir().resolve("files/dashboard.json");
  }

  /** Every query in the dashboard: the panels' expressions and the template variables' queries. */
  static List<String> dashboardQueries() throws Exception {
    List<String> queries = new java.util.ArrayList<>();
    collectQueries(JsonParser.parseString(Files.readString(dashboardFile())), null, queries);
    assertThat(queries).hasSizeGreaterThan(20);
    return queries;
  }

  private static void collectQueries(JsonElement e, String key, List<String> into) {
    if (e.isJsonObject()) {
      e.getAsJsonObject().entrySet().forEach(en -> collectQueries(en.getValue(), en.getKey(), into));
    } else if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> collectQueries(x, key, into));
    } else if (e.isJsonPrimitive() && Set.of("expr", "query", "definition").contains(key)) {
      into.add(e.getAsString());
    }
  }

  static Set<String> dashboardMetrics() throws Exception {
    Set<String> names = new TreeSet<>();
    for (String q : dashboardQueries()) {
      names.addAll(metricNames(q));
    }
    return names;
  }

  private static final Pattern METRIC = Pattern.compile("\\b(redis_lease_ha_\\w+|jvm_\\w+)");

  /** The metric names in a query, histogram and summary series by their base name. */
  static Set<String> metricNames(String query) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(query);
    while (m.find()) {
      names.add(m.group(1).replaceFirst("_(bucket|sum|count)$", ""));
    }
    return names;
  }

  /**
   * Runs the exporter-auth init container's script with its paths moved into a temporary directory
   * holding the Secret's file, and returns the password file it wrote, parsed.
   */
  static Map<String, String> runPasswordScript(V1Container init, String key, String password) throws Exception {
    Path dir = Files.createTempDirectory("exporter-auth-");
    try {
      Files.createDirectories(dir.resolve("auth"));
      Files.createDirectories(dir.resolve("exporter-auth"));
      Files.writeString(dir.resolve("auth").resolve(key), password, StandardCharsets.UTF_8);
      assertThat(init.getCommand()).containsExactly("sh", "-c");
      String script = init.getArgs().get(0).replace("/etc/redis-lease-ha/", dir + "/");
      Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
      String json = Files.readString(dir.resolve("exporter-auth/passwords.json"), StandardCharsets.UTF_8);
      Map<String, String> parsed = new java.util.LinkedHashMap<>();
      JsonParser.parseString(json).getAsJsonObject().entrySet().forEach(en -> parsed.put(en.getKey(), en.getValue().getAsString()));
      return parsed;
    } finally {
      ChartTest.deleteTree(dir);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> m, String key) {
    Object v = m.get(key);
    assertThat(v).as(key).isInstanceOf(Map.class);
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> endpoints(Map<String, Object> monitor) {
    Map<String, Object> spec = map(monitor, "spec");
    return (List<Map<String, Object>>) spec.get(monitor.get("kind").equals("PodMonitor") ? "podMetricsEndpoints" : "endpoints");
  }

  // The fields of monitoring.coreos.com/v1 PodMonitor and ServiceMonitor (prometheus-operator's CRDs)
  // this chart may write, with their types and patterns.
  private static final Pattern DURATION =
      Pattern.compile("^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$");
  private static final Set<String> ENDPOINT_FIELDS = Set.of("port", "path", "interval", "scrapeTimeout", "honorLabels",
      "relabelings", "metricRelabelings");
  private static final Set<String> RELABEL_FIELDS = Set.of("sourceLabels", "separator", "targetLabel", "regex", "modulus",
      "replacement", "action");
  private static final Set<String> RELABEL_ACTIONS = Set.of("replace", "keep", "drop", "hashmod", "labelmap", "labeldrop",
      "labelkeep", "lowercase", "uppercase", "keepequal", "dropequal");
  private static final Pattern LABEL_NAME = Pattern.compile("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");

  /** A PodMonitor or ServiceMonitor as its CRD's schema would accept it. */
  @SuppressWarnings("unchecked")
  static void assertMonitorShape(Map<String, Object> r, String kind) {
    assertThat(r.keySet()).containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec");
    assertThat(r).containsEntry("apiVersion", "monitoring.coreos.com/v1").containsEntry("kind", kind);
    Map<String, Object> metadata = map(r, "metadata");
    assertThat(metadata.keySet()).isSubsetOf("name", "namespace", "labels", "annotations").contains("name", "namespace");
    assertLabelMap(metadata.get("labels"));
    Map<String, Object> spec = map(r, "spec");
    String endpointsField = kind.equals("PodMonitor") ? "podMetricsEndpoints" : "endpoints";
    assertThat(spec.keySet()).containsExactlyInAnyOrder("selector", "namespaceSelector", endpointsField);
    Map<String, Object> selector = map(spec, "selector");
    assertThat(selector.keySet()).isSubsetOf("matchLabels", "matchExpressions");
    assertLabelMap(selector.get("matchLabels"));
    Map<String, Object> ns = map(spec, "namespaceSelector");
    assertThat(ns.keySet()).isSubsetOf("any", "matchNames");
    assertThat((List<Object>) ns.get("matchNames")).allSatisfy(n -> assertThat(n).isInstanceOf(String.class));
    List<Object> endpoints = (List<Object>) spec.get(endpointsField);
    assertThat(endpoints).isNotEmpty();
    for (Object o : endpoints) {
      assertThat(o).isInstanceOf(Map.class);
      Map<String, Object> e = (Map<String, Object>) o;
      assertThat(e.keySet()).isSubsetOf(ENDPOINT_FIELDS).contains("port", "path");
      assertThat(e.get("port")).isInstanceOf(String.class);
      assertThat((String) e.get("path")).startsWith("/");
      for (String d : List.of("interval", "scrapeTimeout")) {
        if (e.containsKey(d)) {
          assertThat(e.get(d)).as(d).isInstanceOf(String.class);
          assertThat((String) e.get(d)).as(d).matches(DURATION);
        }
      }
      if (e.containsKey("honorLabels")) {
        assertThat(e.get("honorLabels")).isInstanceOf(Boolean.class);
      }
      for (String rl : List.of("relabelings", "metricRelabelings")) {
        if (e.containsKey(rl)) {
          assertThat((List<Object>) e.get(rl)).as(rl).allSatisfy(x -> {
            Map<String, Object> c = (Map<String, Object>) x;
            assertThat(c.keySet()).isSubsetOf(RELABEL_FIELDS);
            if (c.containsKey("action")) {
              assertThat(((String) c.get("action")).toLowerCase(java.util.Locale.ROOT)).isIn(RELABEL_ACTIONS);
            }
            if (c.containsKey("sourceLabels")) {
              assertThat((List<Object>) c.get("sourceLabels")).allSatisfy(l -> assertThat(l).isInstanceOf(String.class));
            }
          });
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void assertLabelMap(Object labels) {
    if (labels == null) {
      return;
    }
    assertThat(labels).isInstanceOf(Map.class);
    ((Map<Object, Object>) labels).forEach((k, v) -> {
      assertThat(k).isInstanceOf(String.class);
      assertThat((String) k).matches(LABEL_NAME);
      assertThat(v).as("label " + k).isInstanceOf(String.class);
    });
  }
}
