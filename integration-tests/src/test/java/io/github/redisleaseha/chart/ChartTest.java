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
        .containsEntry("RENEW_INTERVAL", "1250ms")
        .containsEntry("HEARTBEAT_INTERVAL", "500ms")
        .containsEntry("PEER_TIMEOUT", "500ms")
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
      // Both containers wait in preStop for the sidecar's handover, so Redis is up while it runs; both
      // are exec hooks: nothing that moves the leader answers a GET.
      assertThat(c.getLifecycle().getPreStop().getHttpGet()).as(c.getName()).isNull();
      assertThat(c.getLifecycle().getPreStop().getExec().getCommand()).as(c.getName()).isNotEmpty();
      assertThat(c.getLivenessProbe()).as(c.getName()).isNotNull();
    }
    assertThat(chart.yaml).doesNotContain("/prestop", "path: /handover");
    // The sidecar's hook is the prestop command, which POSTs /handover to it with the cluster key.
    assertThat(chart.container("sidecar").getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("/app/redis-lease-ha", "prestop");
    // Redis's hook waits, bounded, until its Redis is no longer the primary: redis-cli ROLE on its own
    // port, with the password through REDISCLI_AUTH (never an argument).
    assertThat(redisPreStop(chart)).startsWith("sh", "-c");
    assertThat(redisPreStop(chart).get(2))
        .contains("REDISCLI_AUTH=\"$(cat /etc/redis-lease-ha/auth/password)\"", "export REDISCLI_AUTH")
        .contains("redis-cli -h 127.0.0.1 -p 6379 ROLE")
        // failover.handoverTimeout 10 s + lease.retryPeriod 0.5 s + failover.catchupTimeout 5 s + settle
        // 1.8 s (health interval 0.1 + Redis timeout 0.2 + API timeout 1 + 0.5) + 1 s, rounded up.
        .contains("limit=$(( $(date +%s) + 19 ))", "sleep 1.800", "exit 1")
        .doesNotContain(" -a ", "--pass", "--tls");
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
  void clusterKeySecretIsGeneratedAndMountedIntoTheSidecarOnly() throws Exception {
    RenderedChart chart = render(Map.of());
    V1Secret secret = chart.get(V1Secret.class, "demo-redis-lease-ha-cluster-key");
    assertThat(secret.getData()).containsOnlyKeys("cluster-key");
    assertThat(new String(secret.getData().get("cluster-key"), java.nio.charset.StandardCharsets.US_ASCII))
        .matches("[A-Za-z0-9]{48}");
    // A new install makes another key (an upgrade looks the existing one up and keeps it).
    assertThat(render(Map.of()).get(V1Secret.class, "demo-redis-lease-ha-cluster-key").getData().get("cluster-key"))
        .isNotEqualTo(secret.getData().get("cluster-key"));
    V1Volume volume = volume(chart.statefulSet(), "cluster-key");
    assertThat(volume.getSecret().getSecretName()).isEqualTo("demo-redis-lease-ha-cluster-key");
    assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440);
    V1Container sidecar = chart.container("sidecar");
    // The whole Secret as a directory, not a subPath: a subPath mount never sees a rotated key.
    assertThat(sidecar.getVolumeMounts()).filteredOn(m -> m.getName().equals("cluster-key")).singleElement()
        .satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/redis-lease-ha/cluster-key");
          assertThat(m.getSubPath()).isNull();
          assertThat(m.getReadOnly()).isTrue();
        });
    assertThat(env(sidecar)).containsEntry("CLUSTER_KEY_FILE", "/etc/redis-lease-ha/cluster-key/cluster-key");
    assertThat(chart.container("redis").getVolumeMounts()).noneMatch(m -> m.getName().equals("cluster-key"));
    assertThat(env(chart.container("redis"))).doesNotContainKey("CLUSTER_KEY_FILE");
    // The key never appears in the pod spec itself.
    assertThat(chart.yaml.replace(new String(java.util.Base64.getEncoder().encode(secret.getData().get("cluster-key"))), ""))
        .doesNotContain(new String(secret.getData().get("cluster-key"), java.nio.charset.StandardCharsets.US_ASCII));
  }

  @Test
  void existingClusterKeySecretIsMountedAndNoneIsCreated() throws Exception {
    RenderedChart chart = render(values("clusterKey.existingSecret", "my-cluster-key", "clusterKey.key", "token"));
    assertThat(chart.find(V1Secret.class, "demo-redis-lease-ha-cluster-key")).isEmpty();
    assertThat(volume(chart.statefulSet(), "cluster-key").getSecret().getSecretName()).isEqualTo("my-cluster-key");
    assertThat(env(chart.container("sidecar"))).containsEntry("CLUSTER_KEY_FILE", "/etc/redis-lease-ha/cluster-key/token");
  }

  @Test
  void redisPreStopBoundFollowsTheTimings() throws Exception {
    RenderedChart chart = render(values("failover.handoverTimeout", "1m", "failover.catchupTimeout", "2500ms",
        "lease.retryPeriod", "250ms", "failover.healthInterval", "1s", "lease.apiTimeout", "500ms", "redis.port", 6380));
    // 60 + 0.25 + 2.5 + settle (1 + 1 (Redis timeout, at most 1 s) + 0.5 + 0.5 = 3) + 1 = 66.75, rounded up.
    assertThat(redisPreStop(chart).get(2)).contains("limit=$(( $(date +%s) + 67 ))", "sleep 3.000", "-p 6380 ROLE");
  }

  @Test
  void authOffLeavesNoSecretAndOpensProtectedMode() throws Exception {
    RenderedChart chart = render(values("auth.enabled", false));
    assertThat(chart.find(V1Secret.class, "demo-redis-lease-ha-auth")).isEmpty();
    assertThat(redisPreStop(chart).get(2)).doesNotContain("REDISCLI_AUTH");
    assertThat(env(chart.container("sidecar"))).doesNotContainKey("REDIS_PASSWORD_FILE");
    assertThat(redisScript(chart)).contains("--protected-mode no").doesNotContain("requirepass");
    assertThat(chart.statefulSet().getSpec().getTemplate().getSpec().getVolumes())
        .extracting(V1Volume::getName).doesNotContain("redis-auth");
  }

  @Test
  void existingSecretIsMountedAndNoneIsCreated() throws Exception {
    RenderedChart chart = render(values("auth.existingSecret", "my-redis-auth", "auth.passwordKey", "redis-password"));
    assertThat(chart.all(V1Secret.class)).extracting(x -> x.getMetadata().getName())
        .containsExactly("demo-redis-lease-ha-cluster-key");
    assertThat(redisPreStop(chart).get(2)).contains("$(cat /etc/redis-lease-ha/auth/redis-password)");
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
    assertThat(redisPreStop(chart).get(2)).contains("redis-cli -h 127.0.0.1 -p 6379 --tls --cacert /etc/redis-lease-ha/tls/ca.crt"
        + " --cert /etc/redis-lease-ha/tls/tls.crt --key /etc/redis-lease-ha/tls/tls.key ROLE");
    V1Pod test = testPod(values("tls.enabled", true, "tls.existingSecret", "redis-tls"));
    assertThat(String.join(" ", test.getSpec().getContainers().get(0).getArgs()))
        .contains("redis-cli --tls --cacert /etc/redis-lease-ha/tls/ca.crt");
  }

  @Test
  void sentinelEndpointIsOffByDefault() throws Exception {
    RenderedChart chart = render(Map.of());
    assertThat(chart.find(V1Service.class, "demo-redis-lease-ha-sentinel")).isEmpty();
    assertThat(env(chart.container("sidecar"))).doesNotContainKeys("SENTINEL_PORT", "SENTINEL_MASTER_NAME");
    assertThat(chart.container("sidecar").getPorts()).extracting(p -> p.getName()).containsExactly("http");
  }

  @Test
  void sentinelEndpointOnGivesTheSidecarItsPortAndAServiceListingEveryPodReadyOrNot() throws Exception {
    RenderedChart chart = render(values("sentinelEndpoint.enabled", true, "sentinelEndpoint.port", 26380,
        "sentinelEndpoint.masterName", "cache"));
    V1Container sidecar = chart.container("sidecar");
    assertThat(env(sidecar)).containsEntry("SENTINEL_PORT", "26380").containsEntry("SENTINEL_MASTER_NAME", "cache");
    assertThat(env(sidecar).keySet()).isSubsetOf(sidecarEnvNames());
    assertThat(sidecar.getPorts()).filteredOn(p -> "sentinel".equals(p.getName())).singleElement()
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(26380));
    V1Service service = chart.service("sentinel");
    // Sentinel clients expect to reach every sentinel: a replica's sidecar names the leader too.
    assertThat(service.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(service.getSpec().getSelector()).isEqualTo(chart.statefulSet().getSpec().getSelector().getMatchLabels());
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("sentinel");
      assertThat(p.getPort()).isEqualTo(26380);
      assertThat(p.getTargetPort().getStrValue()).isEqualTo("sentinel");
    });
    // The defaults: Sentinel's port and master name.
    assertThat(env(render(values("sentinelEndpoint.enabled", true)).container("sidecar")))
        .containsEntry("SENTINEL_PORT", "26379").containsEntry("SENTINEL_MASTER_NAME", "mymaster");
    // Injected into a StatefulSet of your own, the Service selects your pods.
    RenderedChart injected = render(values("workload.enabled", false, "workload.podSelector.app", "my-redis",
        "sentinelEndpoint.enabled", true));
    assertThat(injected.service("sentinel").getSpec().getSelector()).isEqualTo(Map.of("app", "my-redis"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "sentinelEndpoint.port|8080|sentinelEndpoint.port 8080 is also sidecar.httpPort",
      "sentinelEndpoint.port|6379|sentinelEndpoint.port 6379 is also redis.port",
  })
  void sentinelEndpointRefusesAPortTakenByTheSidecarOrRedis(String key, int port, String message) {
    // The sidecar would refuse them at start-up; the chart says so at install.
    assertThatThrownBy(() -> render(values("sentinelEndpoint.enabled", true, key, port))).hasMessageContaining(message);
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
          .containsEntry("REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/auth/password")
          .containsEntry("CLUSTER_KEY_FILE", "/etc/redis-lease-ha/cluster-key/cluster-key");
      assertThat(pod.getServiceAccountName()).isEqualTo("demo-leaseha");
      // The subchart generates the cluster key; the sidecar mounts it and runs the prestop hook, Redis
      // waits for the handover with the chart's own hook.
      assertThat(chart.get(V1Secret.class, "demo-leaseha-cluster-key").getData()).containsKey("cluster-key");
      assertThat(volume(sts, "cluster-key").getSecret().getSecretName()).isEqualTo("demo-leaseha-cluster-key");
      assertThat(sidecar.getLifecycle().getPreStop().getExec().getCommand()).containsExactly("/app/redis-lease-ha", "prestop");
      V1Container redis = pod.getContainers().get(0);
      assertThat(redis.getLifecycle().getPreStop().getHttpGet()).isNull();
      assertThat(String.join(" ", redis.getLifecycle().getPreStop().getExec().getCommand()))
          .contains("$(cat /etc/redis-lease-ha/auth/password)", "redis-cli -h 127.0.0.1 -p 6379 ROLE");
      assertThat(chart.yaml).doesNotContain("/prestop");
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
      "clusterKey.key|a/b|at '/clusterKey/key'",
      "clusterKey.existingSecret|My_Secret|at '/clusterKey/existingSecret'",
      "sentinelEndpoint.masterName|my master|at '/sentinelEndpoint/masterName'",
      "sentinelEndpoint.prt|26379|'prt' not allowed",
      "podDisruptionBudget.minAvailable|half|at '/podDisruptionBudget/minAvailable'",
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
  static V1Pod testPod(Map<String, Object> values) throws Exception {
    return testPod(null, values);
  }

  static V1Pod testPod(Path valuesFile, Map<String, Object> values) throws Exception {
    Path copy = Files.createTempDirectory("chart-");
    try {
      Path chart = copy.resolve("redis-lease-ha");
      copyTree(RenderedChart.chartDir(), chart);
      Path test = chart.resolve("templates/tests/test-write-read.yaml");
      Files.writeString(test, Files.readString(test).replaceAll("(?m)^\\s*helm\\.sh/hook.*$", ""));
      return RenderedChart.render(chart, valuesFile, values).get(V1Pod.class, "demo-redis-lease-ha-test-write-read");
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

  static V1Volume volume(V1StatefulSet sts, String name) {
    return sts.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
  }

  /** The Redis container's preStop command: sh, -c and the script. */
  static List<String> redisPreStop(RenderedChart chart) {
    return chart.container("redis").getLifecycle().getPreStop().getExec().getCommand();
  }

  static String redisScript(RenderedChart chart) {
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
