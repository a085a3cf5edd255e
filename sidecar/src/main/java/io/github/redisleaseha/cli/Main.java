package io.github.redisleaseha.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the sidecar jar. */
@Command(
    name = "redis-lease-ha",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Redis high availability on Kubernetes through a Lease, without Sentinel.",
    subcommands = {
        RunCommand.class, StatusCommand.class, SwitchoverCommand.class, FailoverCommand.class,
        PauseCommand.Pause.class, PauseCommand.Resume.class, ExplainCommand.class, PrestopCommand.class, MigrateCommand.class,
        VersionCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
