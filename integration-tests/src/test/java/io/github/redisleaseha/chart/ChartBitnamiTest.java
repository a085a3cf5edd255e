package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.ChartTest.redisPreStop;
import static io.github.redisleaseha.chart.ChartTest.redisScript;
import static io.github.redisleaseha.chart.ChartTest.sidecarEnvNames;
import static io.github.redisleaseha.chart.ChartTest.testPod;
import static io.github.redisleaseha.chart.ChartTest.volume;
import static io.github.redisleaseha.chart.RenderedChart.env;
import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1LocalObjectReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A values file written for the Bitnami chart (bitnami/redis, architecture replication) works here
 * or fails naming this chart's key (chart/BITNAMI.md is the table; templates/_bitnami.tpl enforces it).
 */
class ChartBitnamiTest {

  private static final Map<String, String> POD_LABELS =
      Map.of("app.kubernetes.io/name", "redis-lease-ha", "app.kubernetes.io/instance", "demo");

  @Test
  void bitnamiValuesFileRendersWhatItAsksFor() throws Exception {
    RenderedChart chart = render(Map.of());
    V1StatefulSet sts = chart.statefulSet();
    V1PodSpec pod = sts.getSpec().getTemplate().getSpec();
    V1Container redis = chart.container("redis");
    V1Container sidecar = chart.container("sidecar");

    // replica.replicaCount and replica.resources: the pod count and the Redis container's resources.
    assertThat(sts.getSpec().getReplicas()).isEqualTo(5);
    assertThat(redis.getResources().getRequests().get("memory").toSuffixedString()).isEqualTo("512Mi");
    assertThat(redis.getResources().getLimits().get("memory").toSuffixedString()).isEqualTo("1Gi");

    // auth.existingSecret with auth.existingSecretPasswordKey: that Secret's redis-password key, as a
    // mounted file for Redis, its preStop hook and the sidecar; the chart creates no password Secret.
    assertThat(chart.all(V1Secret.class)).extracting(s -> s.getMetadata().getName())
        .containsExactly("demo-redis-lease-ha-cluster-key");
    assertThat(volume(sts, "redis-auth").getSecret().getSecretName()).isEqualTo("redis-credentials");
    assertThat(env(sidecar)).containsEntry("REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/auth/redis-password");
    assertThat(redisScript(chart)).contains("sed 's/[\\\\\"]/\\\\&/g' /etc/redis-lease-ha/auth/redis-password");
    assertThat(redisPreStop(chart).get(2)).contains("REDISCLI_AUTH=\"$(cat /etc/redis-lease-ha/auth/redis-password)\"");

    // tls.*: the file names inside the Secret, for Redis, the sidecar and redis-cli in the hook;
    // authClients: true is "yes".
    assertThat(volume(sts, "redis-tls").getSecret().getSecretName()).isEqualTo("redis-tls");
    assertThat(env(sidecar))
        .containsEntry("REDIS_TLS_CERT_FILE", "/etc/redis-lease-ha/tls/server.pem")
        .containsEntry("REDIS_TLS_KEY_FILE", "/etc/redis-lease-ha/tls/server-key.pem")
        .containsEntry("REDIS_TLS_CA_FILE", "/etc/redis-lease-ha/tls/ca.pem");
    assertThat(redisScript(chart)).contains(
        "--tls-cert-file /etc/redis-lease-ha/tls/server.pem",
        "--tls-key-file /etc/redis-lease-ha/tls/server-key.pem",
        "--tls-ca-cert-file /etc/redis-lease-ha/tls/ca.pem",
        "--tls-auth-clients yes");
    assertThat(redisScript(chart)).doesNotContain("tls.crt", "tls.key", "ca.crt");
    assertThat(redisPreStop(chart).get(2)).contains("--tls --cacert /etc/redis-lease-ha/tls/ca.pem"
        + " --cert /etc/redis-lease-ha/tls/server.pem --key /etc/redis-lease-ha/tls/server-key.pem ROLE");

    // replica.persistence: one 8Gi claim per pod, with the class, access modes and annotations given.
    assertThat(sts.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
      assertThat(claim.getMetadata().getName()).isEqualTo("data");
      assertThat(claim.getMetadata().getAnnotations()).containsEntry("backup.example.com/policy", "daily");
      assertThat(claim.getSpec().getResources().getRequests().get("storage").toSuffixedString()).isEqualTo("8Gi");
      assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
      assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    });
    assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals("data"));
    assertThat(redisScript(chart)).contains("--appendonly yes");

    // replica.podAntiAffinityPreset hard: required anti-affinity; nodeSelector, tolerations and the
    // spread constraint as given, the constraint counting this release's pods.
    assertThat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        .singleElement().satisfies(t -> assertThat(t.getLabelSelector().getMatchLabels()).isEqualTo(POD_LABELS));
    assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).isNullOrEmpty();
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("workload", "redis"));
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("dedicated");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(pod.getTopologySpreadConstraints()).singleElement().satisfies(c -> {
      assertThat(c.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
      assertThat(c.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
      assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(POD_LABELS);
    });

    // global.imageRegistry takes the place of both images' registries; global.imagePullSecrets as
    // names and as references.
    assertThat(redis.getImage()).isEqualTo("registry.example.com/library/redis:7.2");
    assertThat(sidecar.getImage()).isEqualTo("registry.example.com/redis-lease-ha/redis-lease-ha:0.1.0");
    assertThat(pod.getImagePullSecrets()).extracting(V1LocalObjectReference::getName).containsExactly("regcred", "mirror-pull");

    // replica.pdb: minAvailable 3, and no maxUnavailable beside it.
    V1PodDisruptionBudget pdb = chart.get(V1PodDisruptionBudget.class, "demo-redis-lease-ha");
    assertThat(pdb.getSpec().getMinAvailable().getIntValue()).isEqualTo(3);
    assertThat(pdb.getSpec().getMaxUnavailable()).isNull();

    // sentinel.enabled false as in the file: no endpoint until sentinelEndpoint.enabled.
    assertThat(chart.find(V1Service.class, "demo-redis-lease-ha-sentinel")).isEmpty();
    assertThat(env(sidecar)).doesNotContainKeys("SENTINEL_PORT", "SENTINEL_MASTER_NAME");
    assertThat(env(sidecar).keySet()).isSubsetOf(sidecarEnvNames());

    // The helm test pod uses the same image, pull secrets and certificate files.
    V1Pod test = testPod(bitnamiValues(), Map.of());
    assertThat(test.getSpec().getContainers().get(0).getImage()).isEqualTo("registry.example.com/library/redis:7.2");
    assertThat(test.getSpec().getImagePullSecrets()).extracting(V1LocalObjectReference::getName).containsExactly("regcred", "mirror-pull");
    assertThat(String.join(" ", test.getSpec().getContainers().get(0).getArgs()))
        .contains("redis-cli --tls --cacert /etc/redis-lease-ha/tls/ca.pem --cert /etc/redis-lease-ha/tls/server.pem");
    assertThat(test.getSpec().getContainers().get(0).getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("REDISCLI_AUTH");
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("redis-credentials");
      assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("redis-password");
    });
  }

  @Test
  void sentinelMasterSetNamesTheEndpointsMasterOnceTheEndpointIsOn() throws Exception {
    RenderedChart chart = render(values("sentinelEndpoint.enabled", true));
    assertThat(env(chart.container("sidecar")))
        .containsEntry("SENTINEL_MASTER_NAME", "cache-primary")
        .containsEntry("SENTINEL_PORT", "26379");
    assertThat(chart.service("sentinel").getSpec().getPublishNotReadyAddresses()).isTrue();
    // Bitnami's Sentinel Service port is the endpoint's port.
    RenderedChart port = render(values("sentinelEndpoint.enabled", true, "sentinel.service.ports.sentinel", 26380));
    assertThat(env(port.container("sidecar"))).containsEntry("SENTINEL_PORT", "26380");
    assertThat(port.service("sentinel").getSpec().getPorts().get(0).getPort()).isEqualTo(26380);
  }

  @Test
  void sentinelEnabledFailsPointingAtTheReadmeAndTheSentinelEndpoint() {
    assertThatThrownBy(() -> render(values("sentinel.enabled", true)))
        .hasMessageContaining("sentinel.enabled=true: this chart runs no Sentinel")
        .hasMessageContaining("drop sentinel.enabled and set sentinelEndpoint.enabled=true instead")
        .hasMessageContaining("README section \"Coming from Sentinel or the Bitnami chart\"");
  }

  @Test
  void standaloneFailsNamingReplicationAndReplicationIsAccepted() throws Exception {
    assertThatThrownBy(() -> render(values("architecture", "standalone")))
        .hasMessageContaining("architecture=standalone: redis-lease-ha always replicates")
        .hasMessageContaining("replicas (Bitnami: replica.replicaCount)");
    assertThat(render(values("architecture", "replication")).statefulSet().getSpec().getReplicas()).isEqualTo(5);
  }

  @ParameterizedTest(name = "tls.authClients={0}")
  @CsvSource({"true,yes", "false,no", "yes,yes", "no,no", "optional,optional"})
  void authClientsTakesBitnamisBooleansAndOurStrings(String given, String redisArgument) throws Exception {
    Object value = given.equals("true") || given.equals("false") ? (Object) Boolean.parseBoolean(given) : given;
    RenderedChart chart = RenderedChart.render(values("tls.enabled", true, "tls.existingSecret", "redis-tls", "tls.authClients", value));
    assertThat(redisScript(chart)).contains("--tls-auth-clients " + redisArgument + " ");
    // Without the Bitnami file the file names are ours.
    assertThat(env(chart.container("sidecar"))).containsEntry("REDIS_TLS_CERT_FILE", "/etc/redis-lease-ha/tls/tls.crt");
  }

  @Test
  void passwordKeyOursAndBitnamisAliasAgreeOrFail() throws Exception {
    // Ours alone, Bitnami's alone, both the same: one key.
    for (Map<String, Object> v : List.of(
        values("auth.existingSecret", "s", "auth.passwordKey", "pw"),
        values("auth.existingSecret", "s", "auth.existingSecretPasswordKey", "pw"),
        values("auth.existingSecret", "s", "auth.passwordKey", "pw", "auth.existingSecretPasswordKey", "pw"))) {
      assertThat(env(RenderedChart.render(v).container("sidecar"))).as(v.toString())
          .containsEntry("REDIS_PASSWORD_FILE", "/etc/redis-lease-ha/auth/pw");
    }
    assertThatThrownBy(() -> RenderedChart.render(values("auth.passwordKey", "pw", "auth.existingSecretPasswordKey", "redis-password")))
        .hasMessageContaining("auth.passwordKey is \"pw\" but its Bitnami alias auth.existingSecretPasswordKey is \"redis-password\"");
    // The key of the Secret the chart creates follows too.
    V1Secret created = RenderedChart.render(values("auth.existingSecretPasswordKey", "redis-password"))
        .get(V1Secret.class, "demo-redis-lease-ha-auth");
    assertThat(created.getData()).containsOnlyKeys("redis-password");
  }

  @Test
  void aBitnamiFileWithAnExistingSecretMustNameItsKey() {
    // Bitnami would read redis-password, this chart password: rather than guess, the chart asks.
    assertThatThrownBy(() -> render(values("auth.existingSecretPasswordKey", "")))
        .hasMessageContaining("auth.existingSecret=redis-credentials in a Bitnami-style file without auth.existingSecretPasswordKey")
        .hasMessageContaining("set auth.existingSecretPasswordKey or auth.passwordKey");
  }

  @Test
  void replicaPersistenceDefaultsToBitnamisSizeAndABitnamiFileMustSayWhetherItWantsVolumes() throws Exception {
    RenderedChart eightGi = RenderedChart.render(values("replica.persistence.enabled", true));
    assertThat(eightGi.statefulSet().getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
      assertThat(claim.getSpec().getResources().getRequests().get("storage").toSuffixedString()).isEqualTo("8Gi");
      assertThat(claim.getSpec().getStorageClassName()).isNull();
    });
    RenderedChart off = RenderedChart.render(values("replica.persistence.enabled", false));
    assertThat(off.statefulSet().getSpec().getVolumeClaimTemplates()).isNullOrEmpty();
    assertThat(redisScript(off)).contains("--save \"\" --appendonly no");
    // Bitnami's "-": no storage class at all (pre-provisioned volumes).
    RenderedChart noClass = RenderedChart.render(values("replica.persistence.enabled", true, "replica.persistence.storageClass", "-"));
    assertThat(noClass.statefulSet().getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName()).isEmpty();
    // global.storageClass comes first, as in Bitnami.
    RenderedChart global = render(values("global.storageClass", "standard"));
    assertThat(global.statefulSet().getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName()).isEqualTo("standard");
    // A Bitnami-style file (here: with replica) that leaves persistence out would silently lose
    // Bitnami's volumes.
    assertThatThrownBy(() -> RenderedChart.render(values("replica.replicaCount", 3)))
        .hasMessageContaining("replica.persistence.enabled is not given in a Bitnami-style file")
        .hasMessageContaining("redis.persistence.enabled");
    assertThat(RenderedChart.render(values("replica.replicaCount", 3, "redis.persistence.enabled", true))
        .statefulSet().getSpec().getVolumeClaimTemplates()).hasSize(1);
    // Our size, changed, stands in for Bitnami's default.
    RenderedChart ours = RenderedChart.render(values("replica.persistence.enabled", true, "redis.persistence.size", "2Gi"));
    assertThat(ours.statefulSet().getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests()
        .get("storage").toSuffixedString()).isEqualTo("2Gi");
  }

  @Test
  void aPasswordInTheValuesFillsTheCreatedSecret() throws Exception {
    // Bitnami's global.redis.password is an alias of auth.password.
    for (String key : List.of("auth.password", "global.redis.password")) {
      V1Secret secret = RenderedChart.render(values(key, "s3cr3t-from-values")).get(V1Secret.class, "demo-redis-lease-ha-auth");
      assertThat(new String(secret.getData().get("password"), java.nio.charset.StandardCharsets.UTF_8)).as(key)
          .isEqualTo("s3cr3t-from-values");
    }
  }

  @Test
  void nameOverridesAndServiceAccountAnnotationsApply() throws Exception {
    RenderedChart full = RenderedChart.render(values("fullnameOverride", "cache", "serviceAccount.annotations.team", "db"));
    assertThat(full.get(V1StatefulSet.class, "cache").getSpec().getServiceName()).isEqualTo("cache-headless");
    assertThat(full.get(io.kubernetes.client.openapi.models.V1ServiceAccount.class, "cache").getMetadata().getAnnotations())
        .containsEntry("team", "db");
    RenderedChart name = RenderedChart.render(values("nameOverride", "cache"));
    assertThat(name.get(V1StatefulSet.class, "demo-cache").getSpec().getSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/name", "cache");
  }

  @Test
  void oursAndTheBitnamiAliasAgreeOrFailNamingBoth() throws Exception {
    // Ours at its default counts as not set: the alias applies.
    assertThat(render(values("replicas", 3)).statefulSet().getSpec().getReplicas()).isEqualTo(5);
    // The same value on both sides is no conflict.
    assertThat(render(values("replicas", 5)).statefulSet().getSpec().getReplicas()).isEqualTo(5);
    assertThatThrownBy(() -> render(values("replicas", 4)))
        .hasMessageContaining("replicas is 4 but its Bitnami alias replica.replicaCount is 5: set only one of them");
    assertThatThrownBy(() -> render(values("podAntiAffinity", "soft", "replica.podAntiAffinityPreset", "soft", "nodeSelector.zone", "a")))
        .hasMessageContaining("nodeSelector is {\"zone\":\"a\"} but its Bitnami alias replica.nodeSelector is {\"workload\":\"redis\"}");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> render(values("sentinel.enabled", true, "architecture", "standalone", "replicas", 4)))
        .hasMessageContaining("- architecture=standalone")
        .hasMessageContaining("- sentinel.enabled=true")
        .hasMessageContaining("- replicas is 4");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "replica.affinity.podAntiAffinity.x|y|replica.affinity: not supported by this chart; set podAntiAffinity",
      "replica.livenessProbe.enabled|false|replica.livenessProbe: not supported by this chart; the probes are fixed",
      "replica.persistence.existingClaim|data|replica.persistence.existingClaim: every pod needs a volume of its own",
      "replica.persistence.dataSource.name|snap|replica.persistence.dataSource: not supported; redis.persistence has",
      "replica.pdb.maxUnavailable|1|replica.pdb.minAvailable and replica.pdb.maxUnavailable",
      "master.resources.limits.memory|2Gi|master.resources: every pod here can become the leader",
      "master.count|2|master.count: every pod here can become the leader",
      "tls.autoGenerated|true|tls.autoGenerated: the chart generates no certificates; give a Secret in tls.existingSecret",
      "auth.acl.enabled|true|auth.acl.enabled: ACL users are not set up",
      "tls.certificatesSecret|redis-tls|tls.certificatesSecret: the Bitnami chart's old name of tls.existingSecret; set tls.existingSecret",
      "replica.pdb.unhealthyPodEvictionPolicy|AlwaysAllow|replica.pdb.unhealthyPodEvictionPolicy: not supported; podDisruptionBudget has",
      "image.tag|7.2.4|image: the Bitnami Redis image and its scripts are not used; set redis.image",
      "commonConfiguration|maxmemory 1gb|set redis.extraArgs",
      "serviceAccount.automountServiceAccountToken|false|the sidecar calls the Kubernetes API with the pod's ServiceAccount token",
      "commonLabels.team|cache|commonLabels: not supported; podLabels labels the pods",
  })
  void bitnamiKeysThisChartCannotHonourFailNamingOurs(String key, String value, String message) {
    Object typed = value.matches("\\d+") ? (Object) Integer.parseInt(value)
        : value.equals("true") || value.equals("false") ? (Object) Boolean.parseBoolean(value) : value;
    assertThatThrownBy(() -> render(values(key, typed)))
        .hasMessageContaining("redis-lease-ha cannot use these values")
        .hasMessageContaining(message);
  }

  @Test
  void bitnamisMetricsAndNetworkPolicyKeysAreThisChartsOwn() throws Exception {
    // metrics.enabled: the exporter, with the Bitnami file's registry, password key and certificate files.
    RenderedChart chart = render(values("metrics.enabled", true, "metrics.serviceMonitor.enabled", true,
        "metrics.podMonitor.enabled", true, "networkPolicy.enabled", true, "networkPolicy.allowExternal", false));
    V1Container exporter = chart.container("metrics");
    assertThat(exporter.getImage()).isEqualTo("registry.example.com/oliver006/redis_exporter:v1.67.0");
    assertThat(env(exporter))
        .containsEntry("REDIS_ADDR", "rediss://127.0.0.1:6379")
        .containsEntry("REDIS_EXPORTER_TLS_CLIENT_CERT_FILE", "/etc/redis-lease-ha/tls/server.pem")
        .containsEntry("REDIS_EXPORTER_TLS_CLIENT_KEY_FILE", "/etc/redis-lease-ha/tls/server-key.pem")
        .containsEntry("REDIS_EXPORTER_TLS_CA_CERT_FILE", "/etc/redis-lease-ha/tls/ca.pem");
    V1Container init = chart.statefulSet().getSpec().getTemplate().getSpec().getInitContainers().get(0);
    assertThat(init.getImage()).isEqualTo("registry.example.com/library/redis:7.2");
    assertThat(ChartMonitoringTest.runPasswordScript(init, "redis-password", "from-bitnami"))
        .isEqualTo(Map.of("rediss://127.0.0.1:6379", "from-bitnami"));
    assertThat(chart.custom("ServiceMonitor", "demo-redis-lease-ha")).isNotNull();
    assertThat(chart.custom("PodMonitor", "demo-redis-lease-ha")).isNotNull();
    assertThat(ChartNetworkPolicyTest.flows(ChartNetworkPolicyTest.policy(chart)))
        .contains("in TCP 6379 from pods{demo-redis-lease-ha-client=true}");
    // Off, as Bitnami's defaults: nothing of it.
    RenderedChart off = render(values("metrics.enabled", false, "networkPolicy.enabled", false));
    assertThat(off.customResources).isEmpty();
    assertThat(off.all(io.kubernetes.client.openapi.models.V1NetworkPolicy.class)).isEmpty();
  }

  @Test
  void resourcesPresetsAreRefusedUnlessResourcesAreGiven() throws Exception {
    assertThatThrownBy(() -> RenderedChart.render(values("replica.resourcesPreset", "large", "replica.persistence.enabled", false)))
        .hasMessageContaining("replica.resourcesPreset=large: no presets here; set replica.resources (or redis.resources)");
    // With resources, Bitnami ignores the preset too.
    assertThat(render(values("replica.resourcesPreset", "large")).container("redis").getResources().getLimits().get("memory")
        .toSuffixedString()).isEqualTo("1Gi");
  }

  @Test
  void bitnamiKeysThatChangeNothingAreAccepted() throws Exception {
    // Ignored here as in Bitnami with Sentinel off (sentinel.quorum, sentinel.downAfterMilliseconds are
    // in the file), or what this chart always does (password files, fsGroup on the volume, pod IPs).
    RenderedChart chart = render(values("auth.usePasswordFiles", false, "volumePermissions.enabled", true,
        "useHostnames", true, "clusterDomain", "cluster.local", "sentinel.parallelSyncs", 1, "master.count", 1,
        "metrics.enabled", false, "networkPolicy.enabled", false, "replica.persistence.path", "/data"));
    assertThat(chart.statefulSet().getSpec().getReplicas()).isEqualTo(5);
    // What no chart has is still a typo.
    assertThatThrownBy(() -> render(values("replicaCount", 3))).hasMessageContaining("'replicaCount' not allowed");
  }

  @Test
  void globalImageRegistryReplacesTheRegistryOrPrefixesAnImageWithoutOne() throws Exception {
    RenderedChart chart = RenderedChart.render(values("global.imageRegistry", "mirror.local:5000",
        "redis.image.repository", "valkey/valkey", "redis.image.tag", "8.0", "redis.command", "valkey-server",
        "sidecar.image.repository", "localhost/redis-lease-ha"));
    assertThat(chart.container("redis").getImage()).isEqualTo("mirror.local:5000/valkey/valkey:8.0");
    assertThat(chart.container("sidecar").getImage()).isEqualTo("mirror.local:5000/redis-lease-ha:0.1.0");
    assertThat(RenderedChart.render(Map.of()).statefulSet().getSpec().getTemplate().getSpec().getImagePullSecrets()).isNullOrEmpty();
  }

  @Test
  void replicaPdbCreateFalseRemovesTheBudgetAndPercentagesPass() throws Exception {
    assertThat(render(values("replica.pdb.create", false)).all(V1PodDisruptionBudget.class)).isEmpty();
    V1PodDisruptionBudget pdb = RenderedChart.render(values("replica.pdb.maxUnavailable", "34%", "replica.persistence.enabled", false))
        .get(V1PodDisruptionBudget.class, "demo-redis-lease-ha");
    assertThat(pdb.getSpec().getMaxUnavailable().getStrValue()).isEqualTo("34%");
    assertThat(pdb.getSpec().getMinAvailable()).isNull();
    // Older Bitnami charts had the budget at the top level.
    V1PodDisruptionBudget old = RenderedChart.render(values("pdb.create", true, "pdb.minAvailable", 2))
        .get(V1PodDisruptionBudget.class, "demo-redis-lease-ha");
    assertThat(old.getSpec().getMinAvailable().getIntValue()).isEqualTo(2);
    assertThat(old.getSpec().getMaxUnavailable()).isNull();
  }

  @Test
  void everyAliasDefaultIsTheValuesYamlDefault() throws Exception {
    // An alias applies only while ours is at its default: the table in _bitnami.tpl must carry the
    // defaults of values.yaml, or the alias would fail as a conflict.
    String tpl = Files.readString(RenderedChart.chartDir().resolve("templates/_bitnami.tpl"));
    String table = tpl.substring(tpl.indexOf("aliases:\n", tpl.indexOf("define \"redis-lease-ha.bitnamiAliases\"")));
    table = table.substring(0, table.indexOf("{{- end -}}"));
    Map<String, Object> defaults = new org.yaml.snakeyaml.Yaml().load(Files.readString(RenderedChart.chartDir().resolve("values.yaml")));
    List<Map<String, Object>> aliases = (List<Map<String, Object>>) ((Map<String, Object>) new org.yaml.snakeyaml.Yaml().load(table)).get("aliases");
    assertThat(aliases).hasSizeGreaterThan(20);
    for (Map<String, Object> a : aliases) {
      Object value = defaults;
      for (String part : ((String) a.get("ours")).split("\\.")) {
        value = ((Map<?, ?>) value).get(part);
      }
      assertThat(Objects.toString(value)).as((String) a.get("ours")).isEqualTo(Objects.toString(a.get("default")));
    }
  }

  // ---------------------------------------------------------------- helpers

  static Path bitnamiValues() throws URISyntaxException {
    return Path.of(Objects.requireNonNull(ChartBitnamiTest.class.getResource("/chart/bitnami-values.yaml")).toURI());
  }

  /** The chart rendered with bitnami-values.yaml, then {@code --set} for each entry. */
  private static RenderedChart render(Map<String, Object> values) throws IOException, URISyntaxException {
    return RenderedChart.render(RenderedChart.chartDir(), bitnamiValues(), values);
  }
}
