package io.github.redisleaseha.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisleaseha.config.ConfigValidator.InvalidConfigException;
import io.github.redisleaseha.core.Member;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidatorTest {

  static ConfigValidator.Raw raw(String leaseDuration, String renewDeadline, String retryPeriod, Path passwordFile) {
    return raw(leaseDuration, renewDeadline, retryPeriod, passwordFile, null);
  }

  static ConfigValidator.Raw raw(String leaseDuration, String renewDeadline, String retryPeriod, Path passwordFile,
      Path clusterKeyFile) {
    return new ConfigValidator.Raw(
        "redis-0", "default", "redis-leader", "10.0.0.1", null, "127.0.0.1", 6379,
        "redis-0=10.0.0.1:6379,redis-1=10.0.0.2:6379", null, "redis-write", EndpointsMode.SLICE,
        Durations.parse(leaseDuration), Durations.parse(renewDeadline), Durations.parse(retryPeriod),
        Duration.ofMillis(100), 3, Duration.ofSeconds(5), 1024, Duration.ofSeconds(10), 8080, false,
        null, null, passwordFile, null, null, 0, 10, false, null, null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(1),
        clusterKeyFile,
        Duration.ofMillis(1250), Duration.ofMillis(500), Duration.ofMillis(500), null, 0, null, "mymaster");
  }

  @Test
  void validConfigurationBuildsTheRecord() throws Exception {
    SidecarConfig c = ConfigValidator.validate(raw("4s", "2500ms", "500ms", null));
    assertThat(c.self()).isEqualTo(new Member("redis-0", "10.0.0.1", 6379));
    assertThat(c.peers()).hasSize(2);
    assertThat(c.policy().healthFailures()).isEqualTo(3);
  }

  @Test
  void timingRulesNameTheFlag() {
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "4s", "500ms", null)))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("--renew-deadline (RENEW_DEADLINE): must be shorter than --lease-duration");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2s", "2s", null)))
        .hasMessageContaining("--retry-period (RETRY_PERIOD): must be shorter than --renew-deadline");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("2500ms", "2s", "500ms", null)))
        .hasMessageContaining("--lease-duration (LEASE_DURATION): must be whole seconds");
  }

  @Test
  void leaseMinusRenewDeadlineMustCoverTheFencingMargin() throws Exception {
    // 4 s lease: guard 50 + Redis timeout 200 + API timeout 1000 + skew 200 = 1450 ms needed.
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "3999ms", "500ms", null)))
        .hasMessageContaining("--renew-deadline (RENEW_DEADLINE) and --lease-duration (LEASE_DURATION): the lease duration"
            + " minus the renew deadline is 1 ms, but fencing needs 1450 ms: guard period 50 + Redis command timeout 200");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2551ms", "500ms", null)))
        .hasMessageContaining("is 1449 ms, but fencing needs 1450 ms");
    assertThat(ConfigValidator.validate(raw("4s", "2550ms", "500ms", null)).renewDeadline()).isEqualTo(Duration.ofMillis(2550));
    assertThat(ConfigValidator.validate(raw("4s", "2500ms", "500ms", null)).stallTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void passwordFileIsReadAndNeverPrinted(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "hunter2\n");
    SidecarConfig c = ConfigValidator.validate(raw("4s", "2500ms", "500ms", file));
    assertThat(c.redisPassword().reveal()).isEqualTo("hunter2");
    assertThat(c.toString()).doesNotContain("hunter2");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", dir.resolve("missing"))))
        .hasMessageContaining("--redis-password-file (REDIS_PASSWORD_FILE): cannot read");
  }

  @Test
  void clusterKeyFileIsReadTrimmedAndNeverPrinted(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("key"), "  0123456789abcdef-key\n");
    SidecarConfig c = ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, file));
    assertThat(c.clusterKey().value().reveal()).isEqualTo("0123456789abcdef-key");
    assertThat(c.clusterKey().file()).isEqualTo(file);
    assertThat(c.toString()).doesNotContain("0123456789abcdef");
    // Without the flag there is no key: the mutating endpoints are disabled, which is valid.
    assertThat(ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, null)).clusterKey()).isNull();
  }

  @Test
  void unusableClusterKeyFilesNameTheFlagAndNeverTheKey(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), " \n\t\n");
    Path shortKey = Files.writeString(dir.resolve("short"), "fifteen-bytes-k\n");
    Path spaced = Files.writeString(dir.resolve("spaced"), "a key with spaces in it");
    Path large = Files.writeString(dir.resolve("large"), "k".repeat(5000));
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, dir.resolve("missing"))))
        .hasMessageContaining("--cluster-key-file (CLUSTER_KEY_FILE): cannot read " + dir.resolve("missing"));
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, dir)))
        .hasMessageContaining("--cluster-key-file (CLUSTER_KEY_FILE): cannot read " + dir);
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, empty)))
        .hasMessageContaining("--cluster-key-file (CLUSTER_KEY_FILE): " + empty + " is empty");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, shortKey)))
        .hasMessageContaining("--cluster-key-file (CLUSTER_KEY_FILE): " + shortKey + " holds a key of 15 bytes; at least 16")
        .hasMessageNotContaining("fifteen");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, spaced)))
        .hasMessageContaining("holds characters other than visible ASCII").hasMessageNotContaining("spaces in it");
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, large)))
        .hasMessageContaining("is larger than 4096 bytes");
    // Exactly 16 bytes after trimming is enough.
    Path sixteen = Files.writeString(dir.resolve("sixteen"), "sixteen-bytes-k!\n");
    assertThat(ConfigValidator.validate(raw("4s", "2500ms", "500ms", null, sixteen)).clusterKey()).isNotNull();
  }

  @Test
  void everyProblemIsReportedAtOnceWithTheClusterKey(@TempDir Path dir) {
    assertThatThrownBy(() -> ConfigValidator.validate(raw("4s", "4s", "500ms", dir.resolve("pw"), dir.resolve("key"))))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems())
            .anyMatch(p -> p.startsWith("--renew-deadline (RENEW_DEADLINE)"))
            .anyMatch(p -> p.startsWith("--redis-password-file (REDIS_PASSWORD_FILE)"))
            .anyMatch(p -> p.startsWith("--cluster-key-file (CLUSTER_KEY_FILE)")));
  }

  @Test
  void unusableTlsFilesNameTheFlag(@TempDir Path dir) throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.crt"), "not a certificate");
    ConfigValidator.Raw base = raw("4s", "2500ms", "500ms", null);
    assertThatThrownBy(() -> ConfigValidator.validate(withTls(base, notPem, null, null)))
        .hasMessageContaining("--redis-tls-ca-file (REDIS_TLS_CA_FILE): " + notPem + " holds no PEM certificate");
    assertThatThrownBy(() -> ConfigValidator.validate(withTls(base, dir.resolve("missing.crt"), null, null)))
        .hasMessageContaining("--redis-tls-ca-file (REDIS_TLS_CA_FILE): cannot read");
    assertThatThrownBy(() -> ConfigValidator.validate(withTls(base, null, notPem, null)))
        .hasMessageContaining("--redis-tls-cert-file (REDIS_TLS_CERT_FILE) and --redis-tls-key-file (REDIS_TLS_KEY_FILE): give both or neither");
    assertThatThrownBy(() -> ConfigValidator.validate(withTls(base, null, notPem, notPem)))
        .hasMessageContaining("are not a PEM certificate and its unencrypted private key");
    // TLS with the JVM's trust store and no client certificate is valid.
    assertThat(ConfigValidator.validate(withTls(base, null, null, null)).redisTls()).isNotNull();
    assertThat(ConfigValidator.validate(base).redisTls()).isNull();
  }

  private static ConfigValidator.Raw withTls(ConfigValidator.Raw r, Path ca, Path cert, Path key) {
    return new ConfigValidator.Raw(
        r.podName(), r.namespace(), r.leaseName(), r.announceHost(), r.announcePort(), r.redisHost(), r.redisPort(),
        r.peers(), r.peerSelector(), r.writeService(), r.endpointsMode(), r.leaseDuration(), r.renewDeadline(),
        r.retryPeriod(), r.healthInterval(), r.healthFailures(), r.catchupTimeout(), r.maxLagBytes(),
        r.handoverTimeout(), r.httpPort(), r.noFailover(), r.redisUserFile(), r.redisUserEnv(), r.redisPasswordFile(),
        r.redisPasswordEnv(), r.kubeApiUrl(), r.minReplicasToWrite(), r.minReplicasMaxLag(), true, ca, cert, key, null, r.stallTimeout(), r.apiTimeout(),
        r.clusterKeyFile(),
        r.renewInterval(), r.heartbeatInterval(), r.peerTimeout(), r.peerHttpPorts(), r.sentinelPort(), r.sentinelBind(),
        r.sentinelMasterName());
  }

  @Test
  void durationsAcceptCommonUnitsOnly() {
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> Durations.parse("3 hours")).hasMessageContaining("is not a duration");
  }
}
