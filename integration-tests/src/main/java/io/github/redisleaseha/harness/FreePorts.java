package io.github.redisleaseha.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds free TCP ports on loopback addresses. */
public final class FreePorts {

  private FreePorts() {}

  public static int find(String host) {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on " + host, e);
    }
  }

  /** A port free on every one of {@code hosts}. */
  public static int findOnAll(String... hosts) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = find(hosts[0]);
      boolean free = true;
      for (String h : hosts) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(h))) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
          break;
        }
      }
      if (free) {
        return port;
      }
    }
    throw new IllegalStateException("no port free on all of the pod addresses");
  }
}
