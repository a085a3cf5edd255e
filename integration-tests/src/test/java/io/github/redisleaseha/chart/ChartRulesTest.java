package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * metrics.prometheusRule: the PrometheusRule by structure (client-java has no model for the CRD, so
 * it is read as maps), {@code promtool check rules} on its groups, and {@code promtool test rules}
 * with src/test/resources/prometheus/*-test.yaml, which feed made-up series of the release the
 * renderer installs (namespace db, pods demo-redis-lease-ha-N) and assert when each default alert
 * fires and when it stays silent. promtool comes with Debian's prometheus package: make deps.
 */
class ChartRulesTest {

  private static final String SELECTOR = "{namespace=\"db\", pod=~\"demo-redis-lease-ha-[0-9]+\"}";
  private static final String RUNBOOKS = "https://github.com/redis-lease-ha/redis-lease-ha/blob/main/src/site/runbooks";

  private record Alert(String forDuration, String severity) {}

  /** The default alerts in order, with their {@code for:} (null: none, a window alert) and severity. */
  private static final Map<String, Alert> DEFAULT_ALERTS = new LinkedHashMap<>();

  static {
    DEFAULT_ALERTS.put("RedisLeaseHaNoLeader", new Alert("30s", "critical"));
    DEFAULT_ALERTS.put("RedisLeaseHaTooManyLeaders", new Alert("1m", "critical"));
    DEFAULT_ALERTS.put("RedisLeaseHaPrimaryWithoutLease", new Alert("1m", "critical"));
    DEFAULT_ALERTS.put("RedisLeaseHaFenced", new Alert("1m", "critical"));
    DEFAULT_ALERTS.put("RedisLeaseHaLeaseFlapping", new Alert(null, "warning"));
    DEFAULT_ALERTS.put("RedisLeaseHaFailover", new Alert(null, "info"));
    DEFAULT_ALERTS.put("RedisLeaseHaReplicaLagging", new Alert("2m", "warning"));
    DEFAULT_ALERTS.put("RedisLeaseHaNoFailoverCandidate", new Alert("5m", "warning"));
    DEFAULT_ALERTS.put("RedisLeaseHaPaused", new Alert("1h", "warning"));
    DEFAULT_ALERTS.put("RedisLeaseHaHealthChecksFailing", new Alert("5m", "warning"));
    DEFAULT_ALERTS.put("RedisLeaseHaMetricsAbsent", new Alert("5m", "critical"));
    DEFAULT_ALERTS.put("RedisLeaseHaPodMetricsMissing", new Alert("10m", "warning"));
    DEFAULT_ALERTS.put("RedisLeaseHaSlowFailover", new Alert(null, "warning"));
  }

  /** The sidecar's metrics the rules may name (/tmp/metrics-contract.md of issue 13). */
  private static final Set<String> SIDECAR_METRICS = Set.of(
      "redis_lease_ha_role", "redis_lease_ha_is_leader", "redis_lease_ha_lease_transitions",
      "redis_lease_ha_failovers_total", "redis_lease_ha_last_failover_phase_seconds",
      "redis_lease_ha_replication_lag_bytes", "redis_lease_ha_health_check_failures_total",
      "redis_lease_ha_fenced", "redis_lease_ha_paused", "redis_lease_ha_failover_phase_seconds_bucket",
      "redis_lease_ha_failover_seconds_bucket", "redis_lease_ha_failover_seconds_count",
      "redis_lease_ha_fences_total", "redis_lease_ha_unfences_total", "redis_lease_ha_handovers_total",
      "redis_lease_ha_candidate", "redis_lease_ha_max_lag_bytes");

  private static final Pattern METRIC = Pattern.compile("redis_lease_ha_[a-z_]+");

  @TempDir
  Path tmp;

  @Test
  void offByDefaultAndWhenDisabled() throws IOException {
    assertThat(prometheusRules(render(null, Map.of()))).isEmpty();
    assertThat(prometheusRules(render(null, values("metrics.prometheusRule.enabled", false)))).isEmpty();
  }

  @Test
  void enabledRendersOnePrometheusRuleWithTheDefaultAlertsScopedToTheRelease() throws IOException {
    Map<String, Object> rule = onlyRule(render(null, values("metrics.prometheusRule.enabled", true)));
    assertThat(rule.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.get("kind")).isEqualTo("PrometheusRule");
    Map<String, Object> metadata = map(rule.get("metadata"));
    assertThat(metadata).containsEntry("name", "demo-redis-lease-ha").containsEntry("namespace", "db");
    assertThat(map(metadata.get("labels")))
        .containsEntry("app.kubernetes.io/instance", "demo")
        .containsEntry("app.kubernetes.io/name", "redis-lease-ha")
        .containsEntry("app.kubernetes.io/managed-by", "Helm");
    assertThat(map(rule.get("spec")).keySet()).containsExactly("groups");

    List<Map<String, Object>> groups = groups(rule);
    assertThat(groups).hasSize(1);
    assertThat(groups.get(0).get("name")).isEqualTo("demo-redis-lease-ha");
    List<Map<String, Object>> rules = rules(rule);
    assertThat(rules).extracting(r -> r.get("alert")).containsExactlyElementsOf(DEFAULT_ALERTS.keySet());

    Path runbooks = RenderedChart.chartDir().getParent().resolve("src/site/runbooks");
    String readme = Files.readString(runbooks.resolve("README.md"));
    for (Map<String, Object> r : rules) {
      String name = (String) r.get("alert");
      Alert expected = DEFAULT_ALERTS.get(name);
      assertThat(r.keySet()).as(name).isSubsetOf("alert", "expr", "for", "labels", "annotations");
      assertThat(r.get("for")).as(name + " for").isEqualTo(expected.forDuration());
      assertThat(map(r.get("labels"))).as(name + " labels").isEqualTo(Map.of("severity", expected.severity()));
      Map<String, Object> annotations = map(r.get("annotations"));
      assertThat(annotations.keySet()).as(name + " annotations").containsExactlyInAnyOrder("summary", "description", "runbook_url");
      assertThat(annotations.get("runbook_url")).isEqualTo(RUNBOOKS + "/" + name + ".md");
      assertThat(runbooks.resolve(name + ".md")).as("runbook of " + name).isRegularFile();
      assertThat(readme).as("runbooks/README.md lists " + name).contains("(" + name + ".md)");
      for (Object text : annotations.values()) {
        assertThat((String) text).as(name).doesNotContain("<no value>").doesNotContain("\n");
      }
      assertScopedToTheRelease(name, (String) r.get("expr"), SELECTOR);
    }
    assertThat(exprOf(rules, "RedisLeaseHaPodMetricsMissing")).endsWith("< 3");
  }

  @Test
  void theSelectorFollowsTheFullnameAndTheExpectedPodCountTheReplicas() throws IOException {
    Map<String, Object> rule = onlyRule(render(null, values(
        "metrics.prometheusRule.enabled", true, "fullnameOverride", "cache", "replicas", 5)));
    assertThat(map(rule.get("metadata")).get("name")).isEqualTo("cache");
    for (Map<String, Object> r : rules(rule)) {
      assertScopedToTheRelease((String) r.get("alert"), (String) r.get("expr"), "{namespace=\"db\", pod=~\"cache-[0-9]+\"}");
    }
    assertThat(exprOf(rules(rule), "RedisLeaseHaPodMetricsMissing")).endsWith("< 5");
  }

  @Test
  void anInjectedStatefulSetsPodsAreSelectedByThePodPattern() throws IOException {
    Map<String, Object> rule = onlyRule(render(null, values("metrics.prometheusRule.enabled", true,
        "workload.enabled", false, "workload.podSelector.app", "my-redis", "metrics.prometheusRule.podPattern", "my-redis-[0-9]+")));
    for (Map<String, Object> r : rules(rule)) {
      assertScopedToTheRelease((String) r.get("alert"), (String) r.get("expr"), "{namespace=\"db\", pod=~\"my-redis-[0-9]+\"}");
    }
    assertThat(promtool("check", "rules", writeGroups(rule, "injected-rules.yaml", false).toString()))
        .contains("SUCCESS");
  }

  @Test
  void excludeRulesLeavesAlertsOutExtraRulesAreAppendedAndLabelsNamespaceAndRunbooksAreSet() throws IOException {
    Path valuesFile = tmp.resolve("values.yaml");
    Files.writeString(valuesFile, """
        metrics:
          prometheusRule:
            enabled: true
            namespace: monitoring
            additionalLabels:
              release: kube-prometheus-stack
            excludeRules: [RedisLeaseHaFailover, RedisLeaseHaPaused]
            runbookBaseUrl: https://wiki.example.com/redis/
            rules:
              - alert: RedisLeaseHaOurOwn
                expr: redis_lease_ha_fenced{namespace="db"} == 1
                for: 10s
                labels:
                  severity: page
              - record: db:redis_lease_ha_is_leader:sum
                expr: sum by (namespace) (redis_lease_ha_is_leader{namespace="db"})
        """);
    Map<String, Object> rule = onlyRule(render(valuesFile, Map.of()));
    Map<String, Object> metadata = map(rule.get("metadata"));
    assertThat(metadata.get("namespace")).isEqualTo("monitoring");
    assertThat(map(metadata.get("labels"))).containsEntry("release", "kube-prometheus-stack")
        .containsEntry("app.kubernetes.io/instance", "demo");

    List<Map<String, Object>> rules = rules(rule);
    List<String> expectedNames = new ArrayList<>(DEFAULT_ALERTS.keySet());
    expectedNames.removeAll(List.of("RedisLeaseHaFailover", "RedisLeaseHaPaused"));
    expectedNames.add("RedisLeaseHaOurOwn");
    assertThat(rules.subList(0, rules.size() - 1)).extracting(r -> r.get("alert")).containsExactlyElementsOf(expectedNames);
    assertThat(rules.get(rules.size() - 1)).containsEntry("record", "db:redis_lease_ha_is_leader:sum");
    assertThat(rules.get(rules.size() - 2)).containsEntry("for", "10s").containsEntry("labels", Map.of("severity", "page"));
    assertThat(map(rules.get(0).get("annotations")).get("runbook_url"))
        .isEqualTo("https://wiki.example.com/redis/RedisLeaseHaNoLeader.md");
    // The rules still watch the release's namespace, wherever the PrometheusRule lives.
    assertThat((String) rules.get(0).get("expr")).contains(SELECTOR);

    assertThat(promtool("check", "rules", writeGroups(rule, "custom-rules.yaml", false).toString()))
        .contains("SUCCESS: " + rules.size() + " rules found");
  }

  @Test
  void everyDefaultAlertExcludedLeavesAnEmptyGroup() throws IOException {
    Path valuesFile = tmp.resolve("values.yaml");
    Files.writeString(valuesFile, "metrics:\n  prometheusRule:\n    enabled: true\n    excludeRules: ["
        + String.join(", ", DEFAULT_ALERTS.keySet()) + "]\n");
    assertThat(rules(onlyRule(render(valuesFile, Map.of())))).isEmpty();
  }

  @Test
  void anExcludedNameThatIsNoDefaultAlertFailsListingThem() throws IOException {
    Path valuesFile = tmp.resolve("values.yaml");
    Files.writeString(valuesFile, "metrics:\n  prometheusRule:\n    enabled: true\n    excludeRules: [RedisLeaseHaNoLeadr]\n");
    assertThatThrownBy(() -> render(valuesFile, Map.of()))
        .hasMessageContaining("metrics.prometheusRule.excludeRules: RedisLeaseHaNoLeadr is not one of the default alerts")
        .hasMessageContaining("RedisLeaseHaNoLeader, RedisLeaseHaTooManyLeaders");
  }

  @Test
  void aBitnamiValuesFileMayEnableIt() throws IOException, URISyntaxException {
    Path bitnami = Path.of(Objects.requireNonNull(getClass().getResource("/chart/bitnami-values.yaml")).toURI());
    assertThat(prometheusRules(render(bitnami, values("metrics.prometheusRule.enabled", true)))).hasSize(1);
  }

  @Test
  void promtoolChecksTheRenderedRules() throws IOException {
    Map<String, Object> rule = onlyRule(render(null, values("metrics.prometheusRule.enabled", true)));
    assertThat(promtool("check", "rules", writeGroups(rule, "rules.yaml", false).toString()))
        .contains("SUCCESS: " + DEFAULT_ALERTS.size() + " rules found");
  }

  /**
   * The unit tests of src/test/resources/prometheus against the rendered default rules. They assert
   * the firing alerts' labels; promtool compares annotations too, so the copy they run against has
   * none (the annotations' templates are checked by promtool check rules above).
   */
  @Test
  void promtoolUnitTestsEveryDefaultAlert() throws IOException, URISyntaxException {
    Map<String, Object> rule = onlyRule(render(null, values("metrics.prometheusRule.enabled", true)));
    writeGroups(rule, "rules.yaml", true);
    Path resources = Path.of(Objects.requireNonNull(getClass().getResource("/prometheus")).toURI());
    List<String> args = new ArrayList<>(List.of("test", "rules"));
    Set<String> tested = new TreeSet<>();
    try (Stream<Path> files = Files.list(resources)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith("-test.yaml")).sorted().toList()) {
        Path copy = tmp.resolve(f.getFileName());
        Files.copy(f, copy);
        args.add(copy.toString());
        Matcher m = Pattern.compile("alertname: (RedisLeaseHa\\w+)").matcher(Files.readString(f));
        while (m.find()) {
          tested.add(m.group(1));
        }
      }
    }
    assertThat(tested).as("alerts the unit tests cover").containsAll(DEFAULT_ALERTS.keySet());
    promtool(args.toArray(String[]::new));
  }

  // --- rendering and promtool ---

  static List<Map<String, Object>> render(Path valuesFile, Map<String, Object> setValues) {
    var template = new Helm(RenderedChart.chartDir()).template().withName(RenderedChart.RELEASE)
        .withNamespace(RenderedChart.NAMESPACE).withKubeVersion(RenderedChart.KUBE_VERSION);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    setValues.forEach(template::set);
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(template.call())) {
      if (doc != null) {
        docs.add(map(doc));
      }
    }
    return docs;
  }

  private static List<Map<String, Object>> prometheusRules(List<Map<String, Object>> docs) {
    return docs.stream().filter(d -> "PrometheusRule".equals(d.get("kind"))).toList();
  }

  static Map<String, Object> onlyRule(List<Map<String, Object>> docs) {
    List<Map<String, Object>> found = prometheusRules(docs);
    assertThat(found).as("PrometheusRule objects").hasSize(1);
    return found.get(0);
  }

  static List<Map<String, Object>> groups(Map<String, Object> rule) {
    return list(map(rule.get("spec")).get("groups"));
  }

  private static List<Map<String, Object>> rules(Map<String, Object> rule) {
    return groups(rule).stream().flatMap(g -> g.get("rules") == null ? Stream.empty() : list(g.get("rules")).stream()).toList();
  }

  private static String exprOf(List<Map<String, Object>> rules, String alert) {
    return rules.stream().filter(r -> alert.equals(r.get("alert"))).map(r -> ((String) r.get("expr")).strip())
        .findFirst().orElseThrow();
  }

  /** Every metric the expression names is one the sidecar serves, selected by the release's namespace and pods. */
  private static void assertScopedToTheRelease(String alert, String expr, String selector) {
    Matcher m = METRIC.matcher(expr);
    int found = 0;
    while (m.find()) {
      found++;
      assertThat(SIDECAR_METRICS).as(alert + " names a metric the sidecar serves").contains(m.group());
      String selectorPart = selector.substring(0, selector.length() - 1); // may go on with more matchers
      assertThat(expr.substring(m.end())).as(alert + ": " + m.group() + " scoped to the release in " + expr)
          .startsWith(selectorPart);
    }
    assertThat(found).as(alert + " names a metric").isPositive();
  }

  /** spec.groups as a Prometheus rule file, optionally without annotations. */
  private Path writeGroups(Map<String, Object> rule, String fileName, boolean withoutAnnotations) throws IOException {
    return writeRuleFile(rule, tmp.resolve(fileName), r -> {
      if (withoutAnnotations) {
        r.remove("annotations");
      }
    });
  }

  /** spec.groups of {@code rule} as a Prometheus rule file, each rule (a copy) changed by {@code change} first. */
  static Path writeRuleFile(Map<String, Object> rule, Path file, java.util.function.Consumer<Map<String, Object>> change)
      throws IOException {
    List<Map<String, Object>> groups = new ArrayList<>();
    for (Map<String, Object> g : groups(rule)) {
      Map<String, Object> group = new LinkedHashMap<>(g);
      if (g.get("rules") != null) {
        group.put("rules", list(g.get("rules")).stream().map(r -> {
          Map<String, Object> copy = new LinkedHashMap<>(r);
          change.accept(copy);
          return copy;
        }).toList());
      }
      groups.add(group);
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Files.createDirectories(file.getParent());
    Files.writeString(file, new Yaml(options).dump(Map.of("groups", groups)));
    return file;
  }

  /** Runs promtool in the temp directory; fails with its output unless it exits 0. */
  private String promtool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(promtoolPath().toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + "\n" + output).isZero();
    return output;
  }

  private static Path promtoolPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("promtool is not on the PATH: run make deps (as root it installs Debian's prometheus"
        + " package, which brings promtool), or apt-get install prometheus");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Map<String, Object>>) o;
  }
}
