package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.RenderedChart.render;
import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.FreePorts;
import io.github.redisleaseha.harness.RedisProcess;
import io.github.redisleaseha.harness.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * The Redis container's preStop hook as the chart renders it, run with {@code sh} against a real
 * {@code redis-server} (the chart's mount paths pointed at local files): it returns at once on a
 * replica and when Redis is not running, keeps a primary up until it has become a replica and then for
 * the settle time, fails after its bound if Redis stays the primary, and keeps waiting while it cannot
 * tell (wrong password). With TLS it talks TLS with the mounted certificates.
 */
class ChartHooksIT {

  static final String PASSWORD = "hook-test-password";
  /** handoverTimeout 1 s + retryPeriod 0.25 s + catchupTimeout 1 s + settle 1.8 s + 1 s, rounded up. */
  static final int BOUND_SECONDS = 6;
  static final long SETTLE_MILLIS = 1800;

  @TempDir
  Path dir;

  RedisProcess redis;
  Process hook;

  @AfterEach
  void stop() {
    if (hook != null) {
      hook.destroyForcibly();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** Starts Redis (a replica of nothing, as the chart starts it) on a free port; its hook rendered for that port. */
  private String prepare(boolean tls, String hookPassword) throws IOException {
    int port = FreePorts.find("127.0.0.1");
    TlsFiles tlsFiles = tls ? TlsFiles.generate(dir.resolve("tls")) : null;
    redis = new RedisProcess("hook", "127.0.0.1", port, dir.resolve("redis"), PASSWORD, tlsFiles);
    redis.start();
    Map<String, Object> v = values("redis.port", port, "failover.handoverTimeout", "1s", "failover.catchupTimeout", "1s",
        "lease.retryPeriod", "250ms");
    if (tls) {
      v.putAll(values("tls.enabled", true, "tls.existingSecret", "redis-tls"));
    }
    List<String> command = ChartTest.redisPreStop(render(v));
    assertThat(command.subList(0, 2)).containsExactly("sh", "-c");
    Path auth = Files.createDirectories(dir.resolve("auth"));
    Files.writeString(auth.resolve("password"), hookPassword, StandardCharsets.UTF_8);
    return command.get(2)
        .replace("/etc/redis-lease-ha/auth", auth.toString())
        .replace("/etc/redis-lease-ha/tls", dir.resolve("tls").toString());
  }

  private void run(String script) throws IOException {
    hook = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
        .redirectOutput(dir.resolve("hook.out").toFile()).start();
  }

  private String output() throws IOException {
    return Files.readString(dir.resolve("hook.out"));
  }

  private int awaitExit(Duration within) throws Exception {
    assertThat(hook.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)).as("the hook ended within " + within).isTrue();
    return hook.exitValue();
  }

  @Test
  void onAReplicaItReturnsAtOnce() throws Exception {
    String script = prepare(false, PASSWORD);
    long t0 = System.nanoTime();
    run(script);
    assertThat(awaitExit(Duration.ofSeconds(3))).isZero();
    assertThat(output()).contains("Redis is a replica: nothing to wait for");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(SETTLE_MILLIS);
  }

  @ParameterizedTest(name = "tls={0}")
  @ValueSource(booleans = {false, true})
  void onAPrimaryItWaitsUntilRedisIsAReplicaThenForTheSettleTime(boolean tls) throws Exception {
    String script = prepare(tls, PASSWORD);
    try (Jedis j = redis.jedis()) {
      j.replicaofNoOne();
    }
    run(script);
    Awaitility.await("the hook keeps the primary up").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
        .until(hook::isAlive);
    long demoted;
    try (Jedis j = redis.jedis()) {
      j.replicaof("127.0.0.1", 1);
      demoted = System.nanoTime();
    }
    assertThat(awaitExit(Duration.ofMillis(SETTLE_MILLIS + 2000))).as(output()).isZero();
    // The poll (every 0.2 s) notices the demotion, then the settle time passes.
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - demoted)).isGreaterThanOrEqualTo(SETTLE_MILLIS);
    assertThat(output()).contains("Redis is no longer the primary; keeping it up 1.800 s more");
  }

  @Test
  void aPrimaryThatStaysOneFailsTheHookAfterItsBound() throws Exception {
    String script = prepare(false, PASSWORD);
    try (Jedis j = redis.jedis()) {
      j.replicaofNoOne();
    }
    long t0 = System.nanoTime();
    run(script);
    assertThat(awaitExit(Duration.ofSeconds(BOUND_SECONDS + 3))).isEqualTo(1);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo((BOUND_SECONDS - 1) * 1000L);
    assertThat(output()).contains("Redis was still the primary after " + BOUND_SECONDS + " s");
  }

  @Test
  void withRedisNotRunningItReturnsAtOnce() throws Exception {
    String script = prepare(false, PASSWORD);
    redis.kill();
    run(script);
    assertThat(awaitExit(Duration.ofSeconds(3))).isZero();
    assertThat(output()).contains("Redis is not running: nothing to wait for");
  }

  @Test
  void whileItCannotTellItKeepsWaiting() throws Exception {
    // A wrong password: Redis answers NOAUTH/WRONGPASS, which says nothing about its role.
    String script = prepare(false, "not-the-password");
    run(script);
    Awaitility.await("the hook keeps waiting").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
        .until(hook::isAlive);
  }
}
