package io.github.redisleaseha.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;

/**
 * A JDK AOT cache (JEP 483/514) for the sidecar jar: classes loaded and linked ahead of time halve
 * the sidecar's time from start to ready. The cache belongs to one jar build and one JDK, so it is
 * made by a short training run (one node that starts, leads and stops) whenever the jar is newer.
 * Set {@code -Dsidecar.aot=false} to run without it.
 */
public final class AotCache {

  private static Optional<Path> cached;

  private AotCache() {}

  public static synchronized Optional<Path> path() {
    if (cached != null) {
      return cached;
    }
    cached = Optional.empty();
    // One-step AOT cache creation (-XX:AOTCacheOutput) needs JDK 25; older JDKs run without it.
    if (!Boolean.parseBoolean(System.getProperty("sidecar.aot", "true")) || Runtime.version().feature() < 25) {
      return cached;
    }
    try {
      Path jar = SidecarProcess.jar();
      Path cache = jar.resolveSibling("redis-lease-ha.aot");
      if (!Files.exists(cache) || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) < 0) {
        train(cache);
      }
      cached = Files.exists(cache) ? Optional.of(cache) : Optional.empty();
    } catch (Exception e) {
      System.err.println("AOT cache not used: " + e.getMessage());
    }
    return cached;
  }

  private static void train(Path cache) throws Exception {
    Files.deleteIfExists(cache);
    Path dir = Files.createTempDirectory("redis-lease-ha-aot-");
    try (LocalCluster cluster = LocalCluster.builder().size(1).dir(dir).trainAotCache(cache).start()) {
      LocalCluster.Node node = cluster.awaitLeader(Duration.ofSeconds(60));
      Awaitility.await("training run ready").atMost(Duration.ofSeconds(30)).until(node.sidecar::ready);
      node.sidecar.terminate(60_000);
    }
  }
}
