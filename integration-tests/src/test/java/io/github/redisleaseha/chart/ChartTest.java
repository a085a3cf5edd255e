package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.RenderedChart.env;
import static io.github.redisleaseha.chart.RenderedChart.render;
import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.github.redisleaseha.cli.RunCommand;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Option;

/** Renders the Helm chart with several value sets and checks what a safe installation needs. */
class ChartTest {

  private static final String SELECTOR = "app.kubernetes.io/instance=demo,app.kubernetes.io/name=redis-lease-ha";

  @Test
  void lintsCleanly() {
    LintResult result = new Helm(RenderedChart.chartDir()).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void parsingRejectsUnknownFieldsSoAMisspeltManifestFails() {
    // The guard every rendering below relies on: client-java's models refuse fields they do not know.
    assertThatThrownBy(() -> io.kubernetes.client.util.Yaml.loadAll(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  selectr:\n    app: x\n"))
        .hasMessageContaining("selectr");
  }

  @Test
  void defaultsGiveThreePodsWithTheSidecarWiredToTheLeaseTheServicesAndThePassword() throws Exception {
    RenderedChart chart = render(Map.of());
    V1StatefulSet sts = chart.statefulSet();
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");

    Map<String, String> env = env(chart.container("sidecar"));
    assertThat(env)
        .containsEntry("POD_NAME", "fieldRef:metadata.name")
        .containsEntry("POD_NAMESPACE", "fieldRef:metadata.namespace")
        .containsEntry("ANNOUNCE_HOST", "fieldRef:status.podIP")
        .containsEntry("PEER_SELECTOR", SELECTOR)
        .containsEntry("LEASE_NAME", "demo-redis-lease-ha-leader")
        .containsEntry("WRITE_SERVICE", "demo-redis-lease-ha-write")
        .containsEntry("ENDPOINTS_MODE", "slice")
        .containsEntry("LEASE_DURATION", "4s")
        .containsEntry("RENEW_DEADLINE", "2500ms")
        .containsEntry("REDIS_PORT", "6379")
        .containsEntry("REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/auth/password")
        .doesNotContainKeys("REDIS_PASSWORD", "REDIS_TLS_CA_FILE");
    // Every variable the chart sets is one the sidecar reads: a typo would silently fall back.
    assertThat(env.keySet()).isSubsetOf(sidecarEnvNames());

    // The generated password reaches Redis and the sidecar only as a mounted file.
    V1Secret secret = chart.get(V1Secret.class, "demo-redis-lease-ha-auth");
    assertThat(secret.getData()).containsKey("password");
    assertThat(secret.getData().get("password")).hasSize(32);
    assertThat(volume(sts, "redis-auth").getSecret().getSecretName()).isEqualTo("demo-redis-lease-ha-auth");
    assertThat(chart.container("redis").getVolumeMounts()).anyMatch(m -> m.getName().equals("redis-auth"));
    assertThat(redisScript(chart)).contains("requirepass").doesNotContain("--requirepass", "--masterauth");

    // Redis starts read-only (a replica of a closed port) until the sidecar decides, and announces the pod IP.
    assertThat(redisScript(chart))
        .contains("replicaof 127.0.0.1 1\\nreplica-announce-ip %s\\n' \"$POD_IP\"")
        .contains("--repl-diskless-sync-delay 0");
  }

  @Test
  void writeServiceHasNoSelectorAndReadServiceSelectsEveryPod() throws Exception {
    RenderedChart chart = render(Map.of());
    V1Service write = chart.service("write");
    assertThat(write.getSpec().getSelector()).isNullOrEmpty();
    assertThat(write.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("redis"); // must match the EndpointSlice port the sidecar writes
      assertThat(p.getPort()).isEqualTo(6379);
    });
    V1Service read = chart.service("read");
    Map<String, String> podLabels = chart.statefulSet().getSpec().getTemplate().getMetadata().getLabels();
    assertThat(read.getSpec().getSelector()).isNotEmpty();
    assertThat(podLabels).containsAllEntriesOf(read.getSpec().getSelector());
    assertThat(chart.statefulSet().getSpec().getSelector().getMatchLabels()).isEqualTo(read.getSpec().getSelector());
    V1Service headless = chart.service("headless");
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(chart.statefulSet().getSpec().getServiceName()).isEqualTo("demo-redis-lease-ha-headless");
  }

  @Test
  void podsAreRestrictedProbedAndHandOverBeforeStopping() throws Exception {
    RenderedChart chart = render(Map.of());
    V1PodSpec pod = chart.statefulSet().getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    // The hard fence: the sidecar sees Redis's process, and both containers run with the pod's one UID.
    assertThat(pod.getShareProcessNamespace()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isNotNull();
    assertThat(pod.getServiceAccountName()).isEqualTo("demo-redis-lease-ha");
    assertThat(pod.getContainers()).extracting(V1Container::getName).containsExactly("redis", "sidecar");
    for (V1Container c : pod.getContainers()) {
      V1SecurityContext sc = c.getSecurityContext();
      assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
      assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
      assertThat(sc.getRunAsNonRoot()).as(c.getName()).isTrue();
      assertThat(sc.getRunAsUser()).as(c.getName() + " runs with the pod's UID").isNull();
      assertThat(sc.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
      assertThat(sc.getPrivileged()).as(c.getName()).isNotEqualTo(Boolean.TRUE);
      // Both containers wait in preStop for the sidecar's handover, so Redis is up while it runs.
      assertThat(c.getLifecycle().getPreStop().getHttpGet().getPath()).as(c.getName()).isEqualTo("/prestop");
      assertThat(c.getLivenessProbe()).as(c.getName()).isNotNull();
    }
    V1Container sidecar = chart.container("sidecar");
    assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(sidecar.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).hasSize(1);

    V1PodDisruptionBudget pdb = chart.get(V1PodDisruptionBudget.class, "demo-redis-lease-ha");
    assertThat(pdb.getSpec().getMaxUnavailable().getIntValue()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(chart.statefulSet().getSpec().getSelector().getMatchLabels());

    RenderedChart hard = render(values("podAntiAffinity", "hard"));
    assertThat(hard.statefulSet().getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution()).hasSize(1);
  }

  @Test
  void roleGrantsOnlyTheSidecarsCallsNarrowedByName() throws Exception {
    assertThat(rules(render(Map.of()))).containsExactlyInAnyOrder(
        "coordination.k8s.io/leases create",
        "coordination.k8s.io/leases get [demo-redis-lease-ha-leader]",
        "coordination.k8s.io/leases update [demo-redis-lease-ha-leader]",
        "discovery.k8s.io/endpointslices create",
        "discovery.k8s.io/endpointslices get [demo-redis-lease-ha-write-leader]",
        "discovery.k8s.io/endpointslices update [demo-redis-lease-ha-write-leader]",
        "/pods list",
        "/events create");
    assertThat(rules(render(values("sidecar.roleLabel", "redis-role", "replicas", 2))))
        .contains("/pods patch [demo-redis-lease-ha-0]", "/pods patch [demo-redis-lease-ha-1]")
        .doesNotContain("/pods patch [demo-redis-lease-ha-2]");
    assertThat(rules(render(values("endpointsMode", "endpoints")))).containsExactlyInAnyOrder(
        "coordination.k8s.io/leases create",
        "coordination.k8s.io/leases get [demo-redis-lease-ha-leader]",
        "coordination.k8s.io/leases update [demo-redis-lease-ha-leader]",
        "/endpoints create",
        "/endpoints get [demo-redis-lease-ha-write]",
        "/endpoints update [demo-redis-lease-ha-write]",
        "/pods list",
        "/events create");
  }

  @Test
  void authOffLeavesNoSecretAndOpensProtectedMode() throws Exception {
    RenderedChart chart = render(values("auth.enabled", false));
    assertThat(chart.all(V1Secret.class)).isEmpty();
    assertThat(env(chart.container("sidecar"))).doesNotContainKey("REDIS_PASSWORD_FILE");
    assertThat(redisScript(chart)).contains("--protected-mode no").doesNotContain("requirepass");
    assertThat(chart.statefulSet().getSpec().getTemplate().getSpec().getVolumes())
        .extracting(V1Volume::getName).doesNotContain("redis-auth");
  }

  @Test
  void existingSecretIsMountedAndNoneIsCreated() throws Exception {
    RenderedChart chart = render(values("auth.existingSecret", "my-redis-auth", "auth.passwordKey", "redis-password"));
    assertThat(chart.all(V1Secret.class)).isEmpty();
    assertThat(volume(chart.statefulSet(), "redis-auth").getSecret().getSecretName()).isEqualTo("my-redis-auth");
    assertThat(env(chart.container("sidecar"))).containsEntry("REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/auth/redis-password");
  }

  @Test
  void tlsMountsTheCertificatesForRedisTheSidecarAndTheTest() throws Exception {
    RenderedChart chart = render(values("tls.enabled", true, "tls.existingSecret", "redis-tls"));
    assertThat(volume(chart.statefulSet(), "redis-tls").getSecret().getSecretName()).isEqualTo("redis-tls");
    assertThat(env(chart.container("sidecar")))
        .containsEntry("REDIS_TLS_CA_FILE", "/etc/redis-lease-ha/tls/ca.crt")
        .containsEntry("REDIS_TLS_CERT_FILE", "/etc/redis-lease-ha/tls/tls.crt")
        .containsEntry("REDIS_TLS_KEY_FILE", "/etc/redis-lease-ha/tls/tls.key");
    assertThat(env(chart.container("sidecar")).keySet()).isSubsetOf(sidecarEnvNames());
    assertThat(redisScript(chart)).contains("--port 0 --tls-port 6379", "--tls-replication yes", "--tls-auth-clients yes");
    V1Pod test = testPod(values("tls.enabled", true, "tls.existingSecret", "redis-tls"));
    assertThat(String.join(" ", test.getSpec().getContainers().get(0).getArgs()))
        .contains("redis-cli --tls --cacert /etc/redis-lease-ha/tls/ca.crt");
  }

  @Test
  void helmTestPodWritesThroughTheWriteServiceAndReadsThroughTheReadService() throws Exception {
    V1Pod test = testPod(Map.of());
    V1Container c = test.getSpec().getContainers().get(0);
    assertThat(env(c)).containsEntry("WRITE_HOST", "demo-redis-lease-ha-write").containsEntry("READ_HOST", "demo-redis-lease-ha-read");
    assertThat(c.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("REDISCLI_AUTH");
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("demo-redis-lease-ha-auth");
    });
    assertThat(String.join(" ", c.getArgs())).contains("SET redis-lease-ha:helm-test", "GET redis-lease-ha:helm-test");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
  }

  @Test
  void endpointsModeAndReplicaCountReachTheWorkload() throws Exception {
    RenderedChart chart = render(values("endpointsMode", "endpoints", "replicas", 5));
    assertThat(chart.statefulSet().getSpec().getReplicas()).isEqualTo(5);
    assertThat(env(chart.container("sidecar"))).containsEntry("ENDPOINTS_MODE", "endpoints");
  }

  @Test
  void withoutTheWorkloadOnlyTheSidecarsRbacAndServicesRemain() throws Exception {
    RenderedChart chart = render(values("workload.enabled", false, "workload.podSelector.app", "my-redis"));
    assertThat(chart.all(V1StatefulSet.class)).isEmpty();
    assertThat(chart.all(V1PodDisruptionBudget.class)).isEmpty();
    assertThat(chart.find(V1Service.class, "demo-redis-lease-ha-headless")).isEmpty();
    assertThat(chart.service("read").getSpec().getSelector()).isEqualTo(Map.of("app", "my-redis"));
    assertThat(chart.service("write").getSpec().getSelector()).isNullOrEmpty();
    assertThat(chart.role()).isNotNull();
  }

  @Test
  void sidecarInjectsIntoAnExistingStatefulSetThroughTheNamedTemplates() throws Exception {
    Path tmp = Files.createTempDirectory("inject-");
    try {
      Path consumer = tmp.resolve("my-redis");
      copyTree(Path.of(System.getProperty("examples.dir", "../src/site/examples")).resolve("inject-sidecar"), consumer);
      copyTree(RenderedChart.chartDir(), consumer.resolve("charts/redis-lease-ha"));
      RenderedChart chart = RenderedChart.render(consumer, Map.of());
      V1StatefulSet sts = chart.get(V1StatefulSet.class, "my-redis");
      V1PodSpec pod = sts.getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers()).extracting(V1Container::getName).containsExactly("redis", "sidecar");
      V1Container sidecar = pod.getContainers().get(1);
      assertThat(env(sidecar))
          .containsEntry("PEER_SELECTOR", "app=my-redis")
          .containsEntry("WRITE_SERVICE", "demo-leaseha-write")
          .containsEntry("REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/auth/password");
      assertThat(pod.getServiceAccountName()).isEqualTo("demo-leaseha");
      assertThat(volume(sts, "redis-auth").getSecret().getSecretName()).isEqualTo("my-redis-auth");
      // With the dependency aliased as "leaseha", the subchart's objects are named after the alias.
      assertThat(chart.get(V1Role.class, "demo-leaseha")).isNotNull();
      assertThat(chart.get(V1Service.class, "demo-leaseha-write").getSpec().getSelector()).isNullOrEmpty();
      assertThat(chart.get(V1Service.class, "demo-leaseha-read").getSpec().getSelector()).isEqualTo(Map.of("app", "my-redis"));
      assertThat(chart.all(V1StatefulSet.class)).hasSize(1);
    } finally {
      deleteTree(tmp);
    }
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "replicas|three|at '/replicas'",
      "replicas|0|at '/replicas'",
      "endpointsMode|both|at '/endpointsMode'",
      "lease.duration|2500ms|at '/lease/duration'",
      "lease.renewDeadline|soon|at '/lease/renewDeadline'",
      "redis.port|70000|at '/redis/port'",
      "tls.enabled|true|at '/tls/existingSecret'",
      "podAntiAffinity|always|at '/podAntiAffinity'",
      "sidecar.imag.tag|x|'imag' not allowed",
  })
  void schemaRejectsBadValuesNamingTheField(String key, String value, String named) {
    Object typed = value.matches("-?\\d+") ? (Object) Integer.parseInt(value) : value.equals("true") ? (Object) true : value;
    assertThatThrownBy(() -> render(values(key, typed)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The {@code helm test} pod. helm-java's template leaves hooks out, so this renders a copy of the
   * chart whose test pod is a plain manifest.
   */
  private static V1Pod testPod(Map<String, Object> values) throws Exception {
    Path copy = Files.createTempDirectory("chart-");
    try {
      Path chart = copy.resolve("redis-lease-ha");
      copyTree(RenderedChart.chartDir(), chart);
      Path test = chart.resolve("templates/tests/test-write-read.yaml");
      Files.writeString(test, Files.readString(test).replaceAll("(?m)^\\s*helm\\.sh/hook.*$", ""));
      return RenderedChart.render(chart, values).get(V1Pod.class, "demo-redis-lease-ha-test-write-read");
    } finally {
      deleteTree(copy);
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  /** The rules as "group/resource verb [name]", one per verb and resource name. */
  static List<String> rules(RenderedChart chart) {
    return chart.role().getRules().stream()
        .flatMap(r -> r.getVerbs().stream().flatMap(verb -> rule(r, verb).stream()))
        .toList();
  }

  private static List<String> rule(V1PolicyRule r, String verb) {
    assertThat(r.getApiGroups()).hasSize(1);
    assertThat(r.getResources()).hasSize(1);
    String prefix = r.getApiGroups().get(0) + "/" + r.getResources().get(0) + " " + verb;
    if (r.getResourceNames() == null || r.getResourceNames().isEmpty()) {
      return List.of(prefix);
    }
    return r.getResourceNames().stream().map(n -> prefix + " [" + n + "]").toList();
  }

  private static V1Volume volume(V1StatefulSet sts, String name) {
    return sts.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
  }

  private static String redisScript(RenderedChart chart) {
    return String.join(" ", chart.container("redis").getArgs());
  }

  /** Every environment variable the sidecar's run command reads, from its options' defaults. */
  static Set<String> sidecarEnvNames() {
    Set<String> names = new HashSet<>(Set.of("REDIS_USER", "REDIS_PASSWORD"));
    Pattern env = Pattern.compile("\\$\\{env:([A-Z_]+)");
    for (Field f : RunCommand.class.getDeclaredFields()) {
      Option o = f.getAnnotation(Option.class);
      if (o != null) {
        Matcher m = env.matcher(o.defaultValue());
        if (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }
}
