package io.github.redisleaseha.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The cluster's shared key, read from a file ({@code --cluster-key-file}, env {@code CLUSTER_KEY_FILE}),
 * never from a flag's value or an environment variable's. Callers of the sidecars' mutating HTTP
 * endpoints send it as {@code Authorization: Bearer <key>}; the sidecar, its preStop command and the
 * operator commands all read it through {@link #read}, so they agree on what a usable key is.
 *
 * <p>A usable key is, after trimming surrounding whitespace (a trailing newline from {@code echo} or a
 * Secret edited by hand), at least {@value #MIN_BYTES} bytes of visible ASCII (letters, digits,
 * punctuation; no spaces). It travels in an HTTP header, so anything else would be mangled, and a short
 * key can be guessed. Neither the key nor any part of it ever reaches a log line or an exception
 * message: {@link Secret#toString} hides it, and the messages here say only what is wrong with the file.
 */
public final class ClusterKey {

  /** The flag and its environment variable, as every message names them. */
  public static final String FLAG = "--cluster-key-file (CLUSTER_KEY_FILE)";

  /** The shortest key accepted, in bytes after trimming. */
  public static final int MIN_BYTES = 16;

  /** A key file larger than this is not a key file (a certificate or a directory dump, say). */
  static final int MAX_FILE_BYTES = 4096;

  /** What is wrong with a key file; the message names the file, never its content. */
  public static final class UnusableKeyException extends Exception {
    UnusableKeyException(String message) {
      super(message);
    }
  }

  private final Path file;
  private final Secret value;

  private ClusterKey(Path file, Secret value) {
    this.file = file;
    this.value = value;
  }

  /**
   * Reads and checks the key in {@code file}. The message of the exception completes a sentence that
   * starts with the flag (the callers prefix {@link #FLAG}).
   */
  public static ClusterKey read(Path file) throws UnusableKeyException {
    if (file == null || file.toString().isBlank()) {
      throw new UnusableKeyException("no file given; name the file that holds the cluster key");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (IOException | RuntimeException e) {
      throw new UnusableKeyException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new UnusableKeyException(file + " is larger than " + MAX_FILE_BYTES + " bytes; it does not look like a key file");
    }
    int from = 0;
    int to = bytes.length;
    while (from < to && whitespace(bytes[from])) {
      from++;
    }
    while (to > from && whitespace(bytes[to - 1])) {
      to--;
    }
    byte[] key = Arrays.copyOfRange(bytes, from, to);
    Arrays.fill(bytes, (byte) 0);
    if (key.length == 0) {
      throw new UnusableKeyException(file + " is empty");
    }
    for (byte b : key) {
      if (b < 0x21 || b > 0x7e) {
        throw new UnusableKeyException(file + " holds characters other than visible ASCII (letters, digits,"
            + " punctuation, no spaces); the key is sent in an HTTP header");
      }
    }
    if (key.length < MIN_BYTES) {
      throw new UnusableKeyException(file + " holds a key of " + key.length + " bytes; at least " + MIN_BYTES
          + " are needed (for example: head -c 32 /dev/urandom | base64 > FILE)");
    }
    return new ClusterKey(file, new Secret(new String(key, StandardCharsets.US_ASCII)));
  }

  private static boolean whitespace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0b;
  }

  /** The file the key was read from, to be read again when it changes. */
  public Path file() {
    return file;
  }

  /** The key itself, for the Authorization header and the comparison only. */
  public Secret value() {
    return value;
  }

  /** Whether {@code other} holds the same key (used to notice a rotated file). */
  public boolean sameKey(ClusterKey other) {
    return other != null && value.reveal().equals(other.value.reveal());
  }

  /** The header value a caller sends. */
  public String bearer() {
    return "Bearer " + value.reveal();
  }

  @Override
  public String toString() {
    return "the cluster key in " + file;
  }
}
