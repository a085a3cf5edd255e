package io.github.redisleaseha.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Linux network namespaces as separate hosts (root only): a bridge in the root namespace with the
 * address {@code <prefix>.1}, and one namespace per host, each with its own {@code eth0} and address
 * on the bridge. Processes run in a host with {@link #exec}; faults are iptables rules or a link
 * taken down inside that host only.
 */
public final class NetNs implements AutoCloseable {

  private final String tag;
  private final String prefix;
  private final String bridge;
  private final List<String> hosts = new ArrayList<>();
  private final List<String> links = new ArrayList<>();

  private NetNs(String tag, String prefix) {
    this.tag = tag;
    this.prefix = prefix;
    this.bridge = "br-" + tag;
  }

  /** A bridge {@code br-<tag>} with {@code <prefix>.1/24}, e.g. prefix "10.77.0". */
  public static NetNs create(String tag, String prefix) {
    NetNs n = new NetNs(tag, prefix);
    n.cleanUpLeftovers();
    run("ip", "link", "add", n.bridge, "type", "bridge");
    run("ip", "addr", "add", prefix + ".1/24", "dev", n.bridge);
    run("ip", "link", "set", n.bridge, "up");
    return n;
  }

  /** Whether this machine lets us build namespaces (root and the ip command). */
  public static boolean available() {
    try {
      Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0 && "root".equals(System.getProperty("user.name"));
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The root namespace's address on the bridge. */
  public String gateway() {
    return prefix + ".1";
  }

  /** Adds host {@code name} with address {@code <prefix>.<octet>}; returns the address. */
  public String addHost(String name, int octet) {
    String ns = ns(name);
    String ip = prefix + "." + octet;
    String outer = "v" + tag + octet;
    run("ip", "netns", "add", ns);
    hosts.add(name);
    run("ip", "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns);
    links.add(outer);
    run("ip", "link", "set", outer, "master", bridge);
    run("ip", "link", "set", outer, "up");
    run("ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    return ip;
  }

  /** The command prefix that runs a program inside host {@code name}. */
  public List<String> exec(String name) {
    return List.of("ip", "netns", "exec", ns(name));
  }

  /** Runs {@code iptables args} inside host {@code name}. */
  public void iptables(String name, String... args) {
    List<String> cmd = new ArrayList<>(exec(name));
    cmd.add("iptables");
    cmd.addAll(List.of(args));
    run(cmd.toArray(String[]::new));
  }

  /** Drops every packet between host {@code name} and {@code peerIp}, both directions. */
  public void cut(String name, String peerIp) {
    iptables(name, "-I", "INPUT", "-s", peerIp, "-j", "DROP");
    iptables(name, "-I", "OUTPUT", "-d", peerIp, "-j", "DROP");
  }

  /** Removes every iptables rule inside host {@code name}. */
  public void heal(String name) {
    iptables(name, "-F");
  }

  public void linkDown(String name) {
    List<String> cmd = new ArrayList<>(exec(name));
    cmd.addAll(List.of("ip", "link", "set", "eth0", "down"));
    run(cmd.toArray(String[]::new));
  }

  public void linkUp(String name) {
    List<String> cmd = new ArrayList<>(exec(name));
    cmd.addAll(List.of("ip", "link", "set", "eth0", "up"));
    run(cmd.toArray(String[]::new));
  }

  private String ns(String name) {
    return tag + "-" + name;
  }

  /** Removes what an interrupted earlier run left: its namespaces, veth links and bridge. */
  private void cleanUpLeftovers() {
    quietly("ip", "link", "del", bridge);
    try {
      for (String line : output("ip", "netns", "list").split("\n")) {
        String ns = line.split(" ")[0];
        if (ns.startsWith(tag + "-")) {
          quietly("ip", "netns", "del", ns);
        }
      }
      for (String line : output("ip", "-br", "link").split("\n")) {
        String link = line.split("[ @]")[0];
        if (link.matches("v" + tag + "\\d+")) {
          quietly("ip", "link", "del", link);
        }
      }
    } catch (IOException e) {
      // nothing to clean
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    for (String link : links) {
      quietly("ip", "link", "del", link);
    }
    for (String h : hosts) {
      quietly("ip", "netns", "del", ns(h));
    }
    quietly("ip", "link", "del", bridge);
  }

  private static String output(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd[0] + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void quietly(String... cmd) {
    try {
      run(cmd);
    } catch (IllegalStateException e) {
      // already gone
    }
  }
}
