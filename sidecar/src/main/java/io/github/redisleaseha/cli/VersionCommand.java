package io.github.redisleaseha.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Prints the version. */
@Command(name = "version", description = "Print the version.")
public final class VersionCommand implements Runnable {

  static String version() {
    String v = VersionCommand.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  @Override
  public void run() {
    System.out.println("redis-lease-ha " + version());
  }

  /** Supplies {@code --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"redis-lease-ha " + version()};
    }
  }
}
