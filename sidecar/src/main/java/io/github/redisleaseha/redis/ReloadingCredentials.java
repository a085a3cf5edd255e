package io.github.redisleaseha.redis;

import io.github.redisleaseha.config.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisCredentials;

/**
 * The Redis user and password, re-read from their files whenever a connection is opened, so a
 * credential rotated at runtime (a Secret update, which Kubernetes swaps into the mounted file) is
 * used by the next connection without restarting the sidecar. Connections already open keep working:
 * Redis does not drop authenticated clients when a password changes, and the fence line relies on
 * that. A file that is missing or empty for a moment (mid-swap) keeps the last value. Values never
 * reach a log line: only the fact that a file changed does.
 */
public final class ReloadingCredentials implements Supplier<RedisCredentials> {

  private static final Logger log = LoggerFactory.getLogger(ReloadingCredentials.class);

  private final Path userFile;
  private final Path passwordFile;
  private String user;
  private Secret password;

  public ReloadingCredentials(String user, Secret password, Path userFile, Path passwordFile) {
    this.user = user;
    this.password = password;
    this.userFile = userFile;
    this.passwordFile = passwordFile;
  }

  /** Whether any credential is configured at all. */
  public boolean configured() {
    return user != null || password != null;
  }

  @Override
  public synchronized RedisCredentials get() {
    String newUser = read(userFile);
    if (newUser != null && !newUser.equals(user)) {
      log.info("The Redis user file {} changed; new connections use it", userFile);
      user = newUser;
    }
    String newPassword = read(passwordFile);
    if (newPassword != null && (password == null || !Objects.equals(newPassword, password.reveal()))) {
      log.info("The Redis password file {} changed; new connections use it", passwordFile);
      password = new Secret(newPassword);
    }
    String u = user;
    char[] p = password == null ? null : password.reveal().toCharArray();
    return new RedisCredentials() {
      @Override
      public String getUser() {
        return u;
      }

      @Override
      public char[] getPassword() {
        return p;
      }
    };
  }

  private static String read(Path file) {
    if (file == null) {
      return null;
    }
    try {
      String value = Files.readString(file, StandardCharsets.UTF_8).strip();
      return value.isEmpty() ? null : value;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
