package io.github.redisleaseha.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * One real {@code redis-server} of a "pod". It always starts as a replica of its own address, which
 * keeps it read-only (no writes accepted) until its sidecar decides its role; that is the same start
 * the Helm chart uses. No persistence: a restart comes back empty, the hard case for safety.
 */
public final class RedisProcess implements AutoCloseable {

  private final String name;
  private final String host;
  private final int port;
  private final Path dir;
  private volatile String password;
  private final TlsFiles tls;
  private final javax.net.ssl.SSLSocketFactory tlsSockets;
  private Proc proc;
  private List<String> prefix = List.of();
  private List<String> extraArgs = List.of();

  /** More redis-server arguments (e.g. an ACL user). */
  public RedisProcess withArgs(List<String> args) {
    this.extraArgs = List.copyOf(args);
    return this;
  }

  /** Runs the server through this command prefix (e.g. {@code ip netns exec <host>}). */
  public RedisProcess runIn(List<String> commandPrefix) {
    this.prefix = List.copyOf(commandPrefix);
    return this;
  }

  public RedisProcess(String name, String host, int port, Path dir, String password) {
    this(name, host, port, dir, password, null);
  }

  /** With {@code tls}, Redis serves and replicates over TLS only and requires client certificates. */
  public RedisProcess(String name, String host, int port, Path dir, String password, TlsFiles tls) {
    this.name = name;
    this.host = host;
    this.port = port;
    this.dir = dir;
    this.password = password;
    this.tls = tls;
    this.tlsSockets = tls == null ? null : tls.socketFactory();
  }

  public void start() {
    List<String> cmd = new ArrayList<>(List.of(
        "redis-server",
        "--bind", host,
        "--dir", dir.toString(),
        "--save", "",
        "--appendonly", "no",
        "--repl-diskless-sync", "yes",
        "--repl-diskless-sync-delay", "0",
        // Replicas connect from 127.0.0.1 unless told their pod address; FAILOVER TO needs it.
        "--replica-announce-ip", host));
    // Read-only until the sidecar decides: a replica of itself, or over TLS of a closed port, since
    // Redis 7 blocks ~5 s at a time in a TLS sync handshake with itself.
    cmd.addAll(tls == null ? List.of("--replicaof", host, Integer.toString(port)) : List.of("--replicaof", "127.0.0.1", "1"));
    cmd.addAll(tls == null ? List.of("--port", Integer.toString(port)) : tls.redisArgs(port));
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password, "--masterauth", password));
    }
    cmd.addAll(extraArgs);
    dir.toFile().mkdirs();
    List<String> full = new ArrayList<>(prefix);
    full.addAll(cmd);
    proc = Proc.start("redis-" + name, full, dir.resolve("redis.log"), Map.of());
    Awaitility.await("redis " + name + " answers").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .ignoreExceptions().until(() -> {
          try (Jedis j = jedis()) {
            return "PONG".equals(j.ping());
          }
        });
  }

  public Jedis jedis() {
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().timeoutMillis(1000);
    if (tls != null) {
      config.ssl(true).sslSocketFactory(tlsSockets);
    }
    if (password != null) {
      config.password(password);
    }
    return new Jedis(new HostAndPort(host, port), config.build());
  }

  public void kill() {
    proc.kill();
  }

  /**
   * The password this Redis is started with from now on and that {@link #jedis()} uses, after it was
   * changed at runtime ({@code CONFIG SET requirepass}), as a rotated Secret would be.
   */
  public void password(String newPassword) {
    this.password = newPassword;
  }

  public long pid() {
    return proc.pid();
  }

  /** Waits up to {@code d} for the process to be gone (e.g. killed by its sidecar); true if it is. */
  public boolean awaitExit(Duration d) {
    return proc == null || proc.waitFor(d.toMillis());
  }

  public void signal(String signal) {
    proc.signal(signal);
  }

  public boolean alive() {
    return proc != null && proc.alive();
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String address() {
    return host + ":" + port;
  }

  @Override
  public void close() {
    if (proc != null) {
      proc.close();
    }
  }
}
