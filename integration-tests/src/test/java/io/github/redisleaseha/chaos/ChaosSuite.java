package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.chaos.Faults.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code make chaos}: one fresh {@link ChaosCluster} per fault; the fault is injected once (held 8 s
 * where it has a length), healed, and the run judged: no split-brain write ever, and no acknowledged
 * write lost where the fault's bound is 0. Root only. The table goes to {@code target/chaos/.../report.md}.
 */
class ChaosSuite {

  private static final Path DIR = Path.of("target", "chaos", "run-" + System.currentTimeMillis());
  private static final Duration HOLD = Duration.ofSeconds(8);
  private static final List<String> rows = new ArrayList<>();

  @BeforeAll
  static void rootAndNamespaces() throws Exception {
    Assumptions.assumeTrue(io.github.redisleaseha.harness.NetNs.available(), "make chaos needs root and the ip command");
    Files.createDirectories(DIR);
  }

  static Stream<Fault> faults() {
    return Faults.ALL.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("faults")
  void faultLeavesOnePrimaryAndLosesNoMoreThanItsBound(Fault fault) throws Exception {
    Path dir = DIR.resolve(fault.name().replaceAll("[^A-Za-z0-9]+", "-"));
    try (ChaosCluster chaos = new ChaosCluster(dir)) {
      long fault0 = System.nanoTime();
      chaos.inject(fault, HOLD);
      ChaosCluster.Tally t = chaos.finish();
      long recovery = Checker.recoveryMillis(chaos.follow().acks(), fault0);
      rows.add("| " + fault.name() + " | " + t.splitBrain().size() + " | " + t.lost().size() + " | " + t.acked() + " | "
          + (recovery == 0 ? "no interruption" : recovery + " ms") + " | " + fault.bound() + " |");
      assertThat(t.splitBrain()).as("split-brain writes").isEmpty();
      if (fault.bound().startsWith("0")) {
        assertThat(t.lost()).as("acknowledged writes lost").isEmpty();
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
        + " | writes acknowledged | recovery | bound on loss |\n|---|---|---|---|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    Files.writeString(DIR.resolve("report.md"), b.toString());
    System.out.println(b);
  }
}
