package io.github.redisleaseha.core;

/**
 * One Redis pod of the cluster: its identity (the pod name) and the address its Redis is reached at.
 */
public record Member(String name, String host, int port) {

  public String address() {
    return host + ":" + port;
  }

  public boolean isAt(String otherHost, int otherPort) {
    return host.equals(otherHost) && port == otherPort;
  }

  @Override
  public String toString() {
    return name;
  }
}
