package io.github.redisleaseha.bench;

/** The faults every system is put through. */
public enum Scenario {
  KILL("leader Redis SIGKILL"),
  NODE_LOSS("node loss (Redis and its sidecar/Sentinel SIGKILL)"),
  FREEZE("leader Redis frozen (SIGSTOP, then SIGCONT)"),
  GRACEFUL("graceful stop of the leader pod"),
  API_OUTAGE(10),
  API_OUTAGE_60S(60);

  public final String description;
  /** How long the API server stays stopped in an API outage; 0 for every other fault. */
  public final long apiOutageMillis;

  Scenario(String description) {
    this.description = description;
    this.apiOutageMillis = 0;
  }

  /** An outage of the API server alone (the process stopped, then resumed) for {@code seconds}. */
  Scenario(int seconds) {
    this.description = seconds + " s API server outage, no Redis fault";
    this.apiOutageMillis = seconds * 1000L;
  }

  /** The API server is stopped, no Redis or pod is touched: a system without one has nothing to fault. */
  public boolean apiOutage() {
    return apiOutageMillis > 0;
  }
}
