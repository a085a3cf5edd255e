package io.github.redisleaseha.harness;

import io.github.redisleaseha.config.RedisTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * A throwaway CA and one certificate signed by it, made with the openssl command, for Redis servers
 * and their clients in tests. The key is written in the traditional PKCS#1 form, cert-manager's
 * default, so the sidecar's PEM loading is tested on it.
 */
public record TlsFiles(Path ca, Path cert, Path key) {

  public static TlsFiles generate(Path dir) {
    dir.toFile().mkdirs();
    Path ca = dir.resolve("ca.crt");
    Path caKey = dir.resolve("ca.key");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Path csr = dir.resolve("tls.csr");
    run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out", ca.toString(),
        "-days", "2", "-subj", "/CN=redis-lease-ha test CA");
    run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("tls.pkcs8.key").toString(),
        "-out", csr.toString(), "-subj", "/CN=redis");
    run(dir, "openssl", "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
        "-CAcreateserial", "-out", cert.toString(), "-days", "2");
    run(dir, "openssl", "rsa", "-in", dir.resolve("tls.pkcs8.key").toString(), "-traditional", "-out", key.toString());
    return new TlsFiles(ca, cert, key);
  }

  /** Sockets that trust the CA and present the certificate, as the sidecar's own. */
  public SSLSocketFactory socketFactory() {
    try {
      return RedisTls.load(ca, cert, key).socketFactory();
    } catch (RedisTls.TlsConfigException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** redis-server arguments: TLS only (no plain port), for clients and replication. */
  public List<String> redisArgs(int port) {
    return List.of(
        "--port", "0", "--tls-port", Integer.toString(port),
        "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(),
        "--tls-replication", "yes", "--tls-auth-clients", "yes");
  }

  /** The sidecar's flags for the same files. */
  public List<String> sidecarArgs() {
    return List.of("--redis-tls-ca-file", ca.toString(), "--redis-tls-cert-file", cert.toString(), "--redis-tls-key-file", key.toString());
  }

  private static void run(Path dir, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("openssl.log").toFile()).start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("openssl failed: " + String.join(" ", cmd) + " (see " + dir.resolve("openssl.log") + ")");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run openssl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
