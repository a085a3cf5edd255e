package io.github.redisleaseha.harness;

import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * The embedded Kubernetes API server of the local cluster: fabric8's mock server in CRUD mode, run as
 * its own process so that sidecars reach it over HTTP exactly as they would a real API server.
 * Prints {@code LISTENING <port>} once it serves; runs until killed or its standard input closes.
 */
public final class MockApiServerMain {

  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
            new KubernetesMixedDispatcher(responses), false);
    server.init(InetAddress.getByName(host), port);
    System.out.println("LISTENING " + server.getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    // Stay up until the parent goes away (its end of our stdin closes) or we are killed.
    while (System.in.read() >= 0) {
      // ignore input
    }
    server.destroy();
    System.exit(0);
  }
}
