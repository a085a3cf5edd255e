package io.github.redisleaseha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code migrate-from-sentinel}'s bad flags: exit 2, the flag named, nothing contacted. */
class MigrateCommandTest {

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--sentinels=redis-0                 | --sentinels: 'redis-0' is not host:port",
      "--sentinels=redis-0:99999           | --sentinels: 'redis-0:99999' is not host:port",
      "--sentinel-master-name=my master    | --sentinel-master-name (SENTINEL_MASTER_NAME): 'my master' is not a master name",
      "--sentinel-password-file=EMPTY      | --sentinel-password-file (REDIS_PASSWORD_FILE):",
      "--sentinel-password-file=/nonexistent/pw | --sentinel-password-file (REDIS_PASSWORD_FILE): cannot read /nonexistent/pw",
  })
  void badFlagsAreNamedAndNothingIsContacted(String flag, String named) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), "  \n");
    String given = flag.replace("EMPTY", empty.toString());
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    String[] base = {"migrate-from-sentinel", "--members", "redis-0=127.0.0.1:1", "--kube-api-url", "http://127.0.0.1:1"};
    String[] args = given.startsWith("--sentinels=") ? concat(base, given)
        : concat(concat(base, "--sentinels=127.0.0.1:1"), given);
    int exit = cli.execute(args);
    assertThat(exit).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains(named.trim());
  }

  private static String[] concat(String[] a, String b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + 1);
    r[a.length] = b;
    return r;
  }
}
