package io.github.redisleaseha.config;

/**
 * A secret value (the Redis password). Its {@code toString} never shows the value, so it cannot leak
 * through a log line, a record's toString or an exception message by accident.
 */
public final class Secret {

  private final String value;

  public Secret(String value) {
    this.value = value;
  }

  /** The value, for handing to the Redis client only. */
  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "****";
  }
}
