package io.github.redisleaseha.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * Measures a sidecar's steady-state memory (RSS) and its time from process start to ready, on a
 * three-node local cluster. Prints one line per node.
 */
public final class Footprint {

  public static void main(String[] args) throws Exception {
    long idleSeconds = args.length > 0 ? Long.parseLong(args[0]) : 30;
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path dir = Files.createDirectories(Path.of("target", "footprint", Long.toString(System.currentTimeMillis())));
    try (LocalCluster cluster = LocalCluster.builder().size(size).dir(dir).start()) {
      for (LocalCluster.Node n : cluster.nodes()) {
        Awaitility.await(n.name + " ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
            .until(n.sidecar::ready);
        System.out.printf("%s ready %d ms after its JVM was started%n", n.name,
            (System.nanoTime() - n.sidecar.startedAtNanos()) / 1_000_000);
      }
      long until = System.nanoTime() + Duration.ofSeconds(idleSeconds).toNanos();
      while (System.nanoTime() < until) {
        Thread.sleep(200);
      }
      for (LocalCluster.Node n : cluster.nodes()) {
        System.out.printf("%s sidecar RSS after %d s: %.1f MiB%n", n.name, idleSeconds, rssKib(n.sidecar.pid()) / 1024.0);
      }
    }
  }

  /** Resident set size of a process in KiB, from /proc. */
  public static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }
}
