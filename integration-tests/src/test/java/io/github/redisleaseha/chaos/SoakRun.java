package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.chaos.Faults.Fault;
import io.github.redisleaseha.harness.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code make soak}: one {@link ChaosCluster} for {@code soak.minutes} (default 30), a random fault
 * from {@link Faults#SOAK} every few seconds (held 2 to 6 s), each followed by recovery. Judged like
 * {@code make chaos} over the whole run; the report goes to {@code target/soak/.../report.md}.
 */
class SoakRun {

  @Test
  void randomFaultsNeverGiveTwoPrimaries() throws Exception {
    Assumptions.assumeTrue(NetNs.available(), "make soak needs root and the ip command");
    Duration total = Duration.ofMinutes(Long.getLong("soak.minutes", 30));
    long seed = Long.getLong("soak.seed", System.currentTimeMillis());
    Random random = new Random(seed);
    Path dir = Files.createDirectories(Path.of("target", "soak", "run-" + System.currentTimeMillis()));
    Map<String, List<Long>> recoveries = new LinkedHashMap<>();
    // one for the whole soak: measured bounds (replies in flight across a heal or a freeze) add up
    Findings findings = new Findings();
    long start = System.nanoTime();
    try (ChaosCluster chaos = new ChaosCluster(dir.resolve("cluster"))) {
      while (System.nanoTime() - start < total.toNanos()) {
        Fault fault = Faults.SOAK.get(random.nextInt(Faults.SOAK.size()));
        long fault0 = System.nanoTime();
        chaos.inject(fault, Duration.ofSeconds(2 + random.nextInt(5)), findings);
        chaos.awaitRecovered();
        chaos.awaitAcks(50);
        List<io.github.redisleaseha.harness.Writer.Ack> window = chaos.follow().acks().stream()
            .filter(a -> a.nanos() >= fault0).toList();
        recoveries.computeIfAbsent(fault.name(), k -> new ArrayList<>()).add(Checker.recoveryMillis(window, fault0));
        Faults.hold(Duration.ofSeconds(1 + random.nextInt(4)));
      }
      ChaosCluster.Tally t = chaos.finish();
      StringBuilder b = new StringBuilder();
      long minutes = Duration.ofNanos(System.nanoTime() - start).toMinutes();
      int faults = recoveries.values().stream().mapToInt(List::size).sum();
      b.append("Soak: ").append(minutes).append(" min, seed ").append(seed).append(", ").append(faults).append(" faults, ")
          .append(t.acked()).append(" acknowledged writes, ").append(t.splitBrain().size()).append(" split-brain writes, ")
          .append(t.lost().size()).append(" acknowledged writes lost, ").append(findings.splitBrainBound().orElse(0))
          .append(" commands in flight across heals and freezes\n\n")
          .append("| fault | times | recovery median | recovery max |\n|---|---|---|---|\n");
      recoveries.forEach((name, list) -> {
        List<Long> sorted = list.stream().sorted().toList();
        b.append("| ").append(name).append(" | ").append(sorted.size()).append(" | ")
            .append(sorted.get(sorted.size() / 2)).append(" ms | ").append(sorted.get(sorted.size() - 1)).append(" ms |\n");
      });
      Files.writeString(dir.resolve("report.md"), b.toString());
      System.out.println(b);
      long admitted = findings.splitBrainBound().orElse(0);
      assertThat(t.splitBrain().size()).as("split-brain writes over the soak (in flight across heals and freezes: %d)", admitted)
          .isLessThanOrEqualTo((int) admitted);
      assertThat(findings.violations()).as("what the faults themselves forbid").isEmpty();
    }
  }
}
