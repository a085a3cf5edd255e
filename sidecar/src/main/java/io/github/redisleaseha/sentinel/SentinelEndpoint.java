package io.github.redisleaseha.sentinel;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The Sentinel-compatible endpoint as the sidecar sees it: told the new {@link SentinelView} on every
 * tick, it answers from the latest and tells subscribed clients what changed. This type names no
 * Netty class, so Netty is loaded only when {@link #start} is called (the endpoint is on).
 */
public interface SentinelEndpoint extends AutoCloseable {

  /** Replaces the view answered from; publishes {@code +switch-master} and the like when the master changed. */
  void update(SentinelView view);

  /** Where it listens. */
  InetSocketAddress address();

  @Override
  void close();

  /**
   * Listens on {@code bindHost} (null: every address) and {@code port}.
   *
   * @throws IOException if the port cannot be bound; nothing is left running then
   */
  static SentinelEndpoint start(SentinelProtocol protocol, String bindHost, int port) throws IOException {
    return SentinelServer.listen(protocol, bindHost, port);
  }
}
