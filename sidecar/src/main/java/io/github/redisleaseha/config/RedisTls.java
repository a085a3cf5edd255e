package io.github.redisleaseha.config;

import io.kubernetes.client.util.SSLUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to Redis: the server's chain is checked against the given CA (or the JVM's trust store), and
 * a client certificate is presented when one is given. Host names are not checked: the sidecar
 * reaches Redis by pod IP, which certificates rarely name; the CA is what is trusted.
 *
 * @param socketFactory sockets for Jedis
 * @param description what was loaded, for the start-up log (no key material)
 */
public record RedisTls(SSLSocketFactory socketFactory, String description) {

  /** Thrown with a sentence naming the flag whose file is unusable. */
  public static final class TlsConfigException extends Exception {
    TlsConfigException(String message) {
      super(message);
    }
  }

  static final String CA_FLAG = "--redis-tls-ca-file (REDIS_TLS_CA_FILE)";
  static final String CERT_FLAG = "--redis-tls-cert-file (REDIS_TLS_CERT_FILE)";
  static final String KEY_FLAG = "--redis-tls-key-file (REDIS_TLS_KEY_FILE)";

  /**
   * Loads PEM files: {@code ca} (may be null: the JVM's trust store), and {@code cert} with {@code key}
   * (both or neither; PKCS#1, PKCS#8 or SEC1 keys, unencrypted).
   */
  public static RedisTls load(Path ca, Path cert, Path key) throws TlsConfigException {
    try {
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (ca == null) {
        trust.init((KeyStore) null);
      } else {
        trust.init(caStore(ca));
      }
      KeyManager[] keys = null;
      if (cert != null) {
        byte[] certPem = read(CERT_FLAG, cert);
        byte[] keyPem = read(KEY_FLAG, key);
        try {
          keys = SSLUtils.keyManagers(certPem, keyPem, SSLUtils.recognizePrivateKeyAlgo(keyPem), "", null, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
          throw new TlsConfigException(CERT_FLAG + " and " + KEY_FLAG + ": " + cert + " and " + key
              + " are not a PEM certificate and its unencrypted private key");
        }
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trust.getTrustManagers(), null);
      String description = "TLS, trusting " + (ca == null ? "the JVM's CAs" : ca.toString())
          + (cert == null ? ", no client certificate" : ", client certificate " + cert);
      return new RedisTls(context.getSocketFactory(), description);
    } catch (GeneralSecurityException e) {
      throw new TlsConfigException("TLS to Redis cannot be set up: " + e.getMessage());
    }
  }

  private static KeyStore caStore(Path ca) throws TlsConfigException, GeneralSecurityException {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(ca)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new TlsConfigException(CA_FLAG + ": cannot read " + ca);
    } catch (java.security.cert.CertificateException e) {
      throw new TlsConfigException(CA_FLAG + ": " + ca + " holds no PEM certificate");
    }
    if (certs.isEmpty()) {
      throw new TlsConfigException(CA_FLAG + ": " + ca + " holds no PEM certificate");
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    int i = 0;
    for (Certificate c : List.copyOf(certs)) {
      store.setCertificateEntry("ca-" + i++, c);
    }
    return store;
  }

  private static byte[] read(String flag, Path file) throws TlsConfigException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException | RuntimeException e) {
      throw new TlsConfigException(flag + ": cannot read " + file);
    }
  }
}
