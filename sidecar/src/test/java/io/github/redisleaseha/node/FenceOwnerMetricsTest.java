package io.github.redisleaseha.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.FenceRule.Verdict;
import io.github.redisleaseha.kube.EventRecorder;
import io.github.redisleaseha.redis.FenceLine;
import io.github.redisleaseha.redis.LocalProcess;
import io.github.redisleaseha.redis.RedisNode;
import io.kubernetes.client.util.ClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * The fence owner counts transitions of the fence, not assertions: against a real {@code redis-server},
 * a primary without the Lease is fenced once however many guard ticks re-assert it, and the lift when
 * this node leads is counted once.
 */
class FenceOwnerMetricsTest {

  private final SidecarMetrics metrics = new SidecarMetrics(0);
  private Process redis;
  private FenceOwner fence;
  private RedisNode node;
  private EventRecorder events;

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private double sample(String name) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.write(out);
    return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1))).findFirst().orElseThrow();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (fence != null) {
      fence.close();
    }
    if (node != null) {
      node.close();
    }
    if (events != null) {
      events.close();
    }
    if (redis != null) {
      redis.destroy();
      redis.waitFor();
    }
  }

  @Test
  void aFenceAssertedOnEveryTickIsOneFenceAndItsLiftOneUnfence() throws Exception {
    Assumptions.assumeTrue(onPath("redis-server"), "redis-server is on the PATH");
    int port = freePort();
    redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    JedisClientConfig config = DefaultJedisClientConfig.builder().connectionTimeoutMillis(500).socketTimeoutMillis(500).build();
    node = new RedisNode("127.0.0.1", port, config);
    Awaitility.await("redis-server answers").atMost(Duration.ofSeconds(10)).until(() -> node.status().reachable());

    AtomicBoolean fresh = new AtomicBoolean(false);
    AtomicLong renewals = new AtomicLong();
    events = new EventRecorder(new ClientBuilder().setBasePath("http://127.0.0.1:1").build(), "default", "redis-leader", "redis-0");
    fence = new FenceOwner("redis-0", new FenceLine(new HostAndPort("127.0.0.1", port), config), new LocalProcess(),
        fresh::get, renewals::get, () -> -1, 5_000, events, metrics);

    // A primary without the Lease: fenced on the first tick, re-asserted on the next ones.
    fence.observed(node.status());
    for (int i = 0; i < 3; i++) {
      assertThat(fence.tick()).isInstanceOf(Verdict.Fence.class);
    }
    assertThat(fence.fenced()).isTrue();
    assertThat(fence.confirmed()).isTrue();
    assertThat(sample("redis_lease_ha_fences_total")).isEqualTo(1.0);
    assertThat(sample("redis_lease_ha_unfences_total")).isEqualTo(0.0);

    // It leads with a promoted Redis: the fence is lifted once; later Lift verdicts find nothing to lift.
    fresh.set(true);
    fence.promotedInThisTerm(true);
    for (int i = 0; i < 3; i++) {
      assertThat(fence.tick()).isInstanceOf(Verdict.Lift.class);
    }
    assertThat(fence.fenced()).isFalse();
    assertThat(sample("redis_lease_ha_unfences_total")).isEqualTo(1.0);

    // It loses the Lease: fenced again, a second transition.
    fresh.set(false);
    fence.tick();
    assertThat(sample("redis_lease_ha_fences_total")).isEqualTo(2.0);
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    return path != null && java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .anyMatch(d -> new java.io.File(d, command).canExecute());
  }
}
