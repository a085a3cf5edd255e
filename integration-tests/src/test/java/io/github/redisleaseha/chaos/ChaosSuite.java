package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.chaos.Faults.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code make chaos}: one fresh {@link ChaosCluster} per fault; the fault is injected once (held 8 s
 * where it has a length), healed, and the run judged against the fault's two {@link Bound}s: split-brain
 * writes and acknowledged writes lost, each zero, measured by the fault, or (loss only) described and
 * reported. {@code -Dchaos.only=<text>} runs only the faults whose id or name contains it
 * ({@code make chaos CHAOS_ONLY=stall}). Root only. The table goes to {@code target/chaos/.../report.md}.
 */
class ChaosSuite {

  private static final Path DIR = Path.of("target", "chaos", "run-" + System.currentTimeMillis());
  private static final Duration HOLD = Duration.ofSeconds(8);
  /** The write pause is measured from the fault to a second after it was healed. */
  private static final long PAUSE_SETTLE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
  private static final List<String> rows = new ArrayList<>();

  @BeforeAll
  static void rootAndNamespaces() throws Exception {
    Assumptions.assumeTrue(io.github.redisleaseha.harness.NetNs.available(), "make chaos needs root and the ip command");
    Files.createDirectories(DIR);
  }

  static Stream<Fault> faults() {
    List<Fault> chosen = Faults.matching(System.getProperty("chaos.only"));
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("no fault matches chaos.only=" + System.getProperty("chaos.only") + "; ids: "
          + Faults.ALL.stream().map(Fault::id).toList());
    }
    return chosen.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("faults")
  void faultLeavesOnePrimaryAndLosesNoMoreThanItsBound(Fault fault) throws Exception {
    Path dir = DIR.resolve(fault.id());
    Findings findings = new Findings();
    try (ChaosCluster chaos = new ChaosCluster(dir, fault.setup())) {
      int transitions0 = chaos.cluster().leaseState().transitions();
      long fault0 = System.nanoTime();
      chaos.inject(fault, HOLD, findings);
      long healed = System.nanoTime();
      ChaosCluster.Tally t;
      try {
        t = chaos.finish();
      } catch (ConditionTimeoutException e) {
        // no single leader with its replicas in sync: say so in the table, with what can be judged
        String row = "| " + fault.name() + " | " + chaos.splitBrainSoFar().size() + " | ? (no leader to read) | "
            + chaos.follow().ackCount() + " | **did not recover** | ? | " + (chaos.cluster().leaseState().transitions() - transitions0)
            + " | " + fault.splitBrain().prose(findings.splitBrainBound()) + " | " + fault.lost().prose(findings.lostBound())
            + " | " + String.join("; ", findings.notes()) + (findings.notes().isEmpty() ? "" : "; ") + "roles after 90 s: "
            + chaos.cluster().roles() + ", Lease holder: " + chaos.cluster().leaseState().holder() + " |";
        rows.add(row);
        Files.writeString(dir.resolve("row.md"), row + "\n");
        throw e;
      }
      long recovery = Checker.recoveryMillis(chaos.follow().acks(), fault0);
      long pause = Checker.longestPauseMillis(chaos.follow().acks(), fault0, Math.min(healed + PAUSE_SETTLE_NANOS, System.nanoTime()));
      int transitions = chaos.cluster().leaseState().transitions() - transitions0;
      OptionalLong splitMeasured = findings.splitBrainBound();
      OptionalLong lostMeasured = findings.lostBound();
      String row = "| " + fault.name() + " | " + t.splitBrain().size() + " | " + t.lost().size() + " | " + t.acked() + " | "
          + (recovery == 0 ? "no interruption" : recovery + " ms") + " | " + pause
          + (fault.maxPauseMillis() >= 0 ? " (bound " + fault.maxPauseMillis() + ")" : "") + " | " + transitions + " | "
          + fault.splitBrain().prose(splitMeasured) + " | " + fault.lost().prose(lostMeasured) + " | "
          + String.join("; ", findings.notes()) + " |";
      rows.add(row);
      Files.writeString(dir.resolve("row.md"), row + "\n");
      OptionalLong splitLimit = fault.splitBrain().limit(splitMeasured);
      if (splitLimit.isPresent()) {
        assertThat(t.splitBrain().size()).as("split-brain writes (bound: %s)", fault.splitBrain().prose(splitMeasured))
            .isLessThanOrEqualTo((int) splitLimit.getAsLong());
      }
      OptionalLong lostLimit = fault.lost().limit(lostMeasured);
      if (lostLimit.isPresent()) {
        assertThat(t.lost().size()).as("acknowledged writes lost (bound: %s)", fault.lost().prose(lostMeasured))
            .isLessThanOrEqualTo((int) lostLimit.getAsLong());
      }
      assertThat(findings.violations()).as("what the fault itself forbids").isEmpty();
      if (fault.maxPauseMillis() >= 0) {
        assertThat(pause).as("longest wait between two acknowledged writes of the following writer").isLessThanOrEqualTo(fault.maxPauseMillis());
      }
    }
  }

  @AfterAll
  static void report() throws Exception {
    if (rows.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    b.append("| fault (held ").append(HOLD.toSeconds()).append(" s where it lasts) | split-brain writes | acknowledged writes lost"
        + " | writes acknowledged | recovery | longest write pause (ms) | Lease transitions | bound on split brain | bound on loss | notes |\n"
        + "|---|---|---|---|---|---|---|---|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    Files.writeString(DIR.resolve("report.md"), b.toString());
    System.out.println(b);
  }
}
