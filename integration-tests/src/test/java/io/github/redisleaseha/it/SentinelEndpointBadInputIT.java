package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.Writer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;

/**
 * Bad input to the Sentinel-compatible endpoint of a running sidecar, over raw sockets: commands it
 * does not serve, a wrong password, bytes that are not RESP and requests far past its bounds. Each
 * gets an error naming the problem, or a closed connection; afterwards the sidecar is the same process,
 * still healthy, still leading or following as before, the endpoint still answers, and neither Redis
 * nor the Lease has changed.
 */
class SentinelEndpointBadInputIT extends ClusterTest {

  static final String PASSWORD = "endpoint-pw";

  @Test
  void badInputGetsAnErrorOrAClosedConnectionAndChangesNothing(TestInfo info) throws Exception {
    cluster = cluster(info).password(PASSWORD).sentinelEndpoint("mymaster").start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
    try (Jedis j = leader.redis.jedis()) {
      j.set("kept", "yes");
    }
    String endpoint = cluster.sentinels().get(0);
    awaitNames(endpoint, leader);
    LocalCluster.Node target = cluster.nodes().get(0);
    long pid = target.sidecar.pid();
    int transitions = cluster.leaseState().transitions();
    long keys = dbsize(leader);

    try (Conn c = new Conn(endpoint)) {
      assertThat(c.call("SENTINEL", "get-master-addr-by-name", "mymaster")).startsWith("-NOAUTH");
      String wrong = c.call("AUTH", "not-the-password");
      assertThat(wrong).startsWith("-WRONGPASS").doesNotContain("not-the-password");
      assertThat(c.call("SENTINEL", "masters")).as("still not authenticated").startsWith("-NOAUTH");
      assertThat(c.call("AUTH", PASSWORD)).isEqualTo("+OK");
      for (List<String> refused : List.of(
          List.of("SET", "a", "b"), List.of("FLUSHALL"), List.of("CONFIG", "SET", "maxmemory", "1"),
          List.of("SHUTDOWN"), List.of("SENTINEL", "FAILOVER", "mymaster"), List.of("SENTINEL", "REMOVE", "mymaster"),
          List.of("SENTINEL", "SET", "mymaster", "quorum", "1"), List.of("SENTINEL", "RESET", "*"),
          List.of("SENTINEL", "MONITOR", "other", "127.0.0.1", "6379", "2"), List.of("REPLICAOF", "NO", "ONE"))) {
        String reply = c.call(refused.toArray(String[]::new));
        String named = refused.get(0).equals("SENTINEL") ? "SENTINEL " + refused.get(1) : refused.get(0);
        assertThat(reply).as(String.join(" ", refused)).startsWith("-ERR").containsIgnoringCase(named);
      }
      assertThat(c.call("PING")).as("the connection still serves after refusals").isEqualTo("+PONG");
    }

    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    garbage[0] = '*';
    List<byte[]> abuses = List.of(
        garbage,
        "*abc\r\n".getBytes(StandardCharsets.US_ASCII),
        "*1\r\n$2000000000\r\n".getBytes(StandardCharsets.US_ASCII),
        "*100000\r\n".getBytes(StandardCharsets.US_ASCII),
        // an argument far past the bound: cut off on its header, before anything is buffered
        "*2\r\n$4\r\nAUTH\r\n$10000000\r\n".getBytes(StandardCharsets.US_ASCII),
        "*2\r\n*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII),
        ("PING " + "x".repeat(64 * 1024)).getBytes(StandardCharsets.US_ASCII));
    for (byte[] abuse : abuses) {
      try (Conn c = new Conn(endpoint)) {
        c.send(abuse);
        String reply = c.readUntilClosed();
        assertThat(reply).as("reply to %d bytes starting %s", abuse.length,
            new String(abuse, 0, Math.min(12, abuse.length), StandardCharsets.ISO_8859_1))
            .satisfiesAnyOf(r -> assertThat(r).isEmpty(), r -> assertThat(r).startsWith("-ERR Protocol error"));
      }
    }

    assertThat(target.sidecar.pid()).as("the sidecar process").isEqualTo(pid);
    assertThat(target.sidecar.alive()).isTrue();
    assertThat(healthz(target)).isEqualTo(200);
    awaitNames(endpoint, leader);
    assertThat(cluster.leaseState().transitions()).as("Lease transitions").isEqualTo(transitions);
    assertThat(cluster.awaitLeader(Duration.ofSeconds(5)).name).isEqualTo(leader.name);
    assertThat(dbsize(leader)).isEqualTo(keys);
    try (Jedis j = leader.redis.jedis()) {
      assertThat(j.get("a")).isNull();
      assertThat(j.get("kept")).isEqualTo("yes");
    }
  }

  /** The endpoint's RESP codec (Netty) is loaded only when the endpoint is on. */
  @Test
  void nettyIsLoadedOnlyWithTheEndpointOn(TestInfo info) throws Exception {
    for (boolean on : new boolean[] {false, true}) {
      LocalCluster.Builder b = cluster(info).size(1);
      java.nio.file.Path classes = b.dir().resolve("classes-" + on + ".log");
      b.nodeEnv(0, "JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes);
      if (on) {
        b.sentinelEndpoint("mymaster");
      }
      try (LocalCluster c = b.start()) {
        c.awaitLeader(Duration.ofSeconds(30));
        java.nio.file.Files.createDirectories(classes.getParent());
        org.awaitility.Awaitility.await("class log written").atMost(Duration.ofSeconds(10))
            .until(() -> java.nio.file.Files.exists(classes));
        boolean netty = java.nio.file.Files.readString(classes).contains(" io.netty.");
        assertThat(netty).as("Netty classes loaded with the endpoint " + (on ? "on" : "off")).isEqualTo(on);
      }
    }
  }

  /**
   * The endpoint names {@code leader} (a member's endpoint vouches for a leader once it has seen its
   * renewal and its Redis answering as primary, which on a busy machine may take a moment).
   */
  private static void awaitNames(String endpoint, LocalCluster.Node leader) {
    org.awaitility.Awaitility.await(endpoint + " names " + leader.name).atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
          try (Jedis s = Writer.connect(endpoint, 1000)) {
            s.auth(PASSWORD);
            return List.of(leader.redis.host(), Integer.toString(leader.redis.port()))
                .equals(s.sentinelGetMasterAddrByName("mymaster"));
          }
        });
  }

  private static long dbsize(LocalCluster.Node n) {
    try (Jedis j = n.redis.jedis()) {
      return j.dbSize();
    }
  }

  private static int healthz(LocalCluster.Node n) throws IOException {
    HttpURLConnection h = (HttpURLConnection) URI.create(
        "http://" + n.sidecar.httpHost() + ":" + n.sidecar.httpPort() + "/healthz").toURL().openConnection();
    h.setConnectTimeout(1000);
    h.setReadTimeout(2000);
    try {
      return h.getResponseCode();
    } finally {
      h.disconnect();
    }
  }

  /** A raw connection: RESP written by hand so that it can also be wrong. */
  static final class Conn implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Conn(String address) throws IOException {
      int colon = address.lastIndexOf(':');
      socket = new Socket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
      socket.setSoTimeout(5000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    void send(byte[] bytes) throws IOException {
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // the endpoint may close while bytes are still being sent: what it answered is read next
      }
    }

    /** Sends one command and reads the first line of its reply. */
    String call(String... args) throws IOException {
      StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      send(b.toString().getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int ch;
      while ((ch = in.read()) != -1 && ch != '\n') {
        if (ch != '\r') {
          line.write(ch);
        }
      }
      return line.toString(StandardCharsets.UTF_8);
    }

    /** Everything the endpoint sends until it closes the connection (within the read timeout). */
    String readUntilClosed() throws IOException {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        int n;
        while ((n = in.read(buf)) != -1) {
          all.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the endpoint kept the connection open after " + all.size() + " bytes: "
            + all.toString(StandardCharsets.ISO_8859_1), e);
      } catch (IOException e) {
        // a reset after the close: what arrived before counts
      }
      return all.toString(StandardCharsets.ISO_8859_1).strip();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
