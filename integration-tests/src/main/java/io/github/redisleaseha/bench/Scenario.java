package io.github.redisleaseha.bench;

/** The faults every system is put through. */
public enum Scenario {
  KILL("leader Redis SIGKILL"),
  NODE_LOSS("node loss (Redis and its sidecar/Sentinel SIGKILL)"),
  FREEZE("leader Redis frozen (SIGSTOP, then SIGCONT)"),
  GRACEFUL("graceful stop of the leader pod"),
  API_OUTAGE("10 s API server outage, no Redis fault");

  public final String description;

  Scenario(String description) {
    this.description = description;
  }
}
