package io.github.redisleaseha.cli;

import com.google.gson.GsonBuilder;
import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.ClusterView.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code status}: who leads, each member's role, offset, lag, health and eligibility. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the Lease, the write endpoint and every member: role, offset, lag, health, eligibility.")
public final class StatusCommand extends OpsCommand {

  enum Output { TABLE, JSON }

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json. Default: ${DEFAULT-VALUE}.")
  Output output;

  @Override
  int run(ClusterClient client) throws Exception {
    ClusterView view = client.view();
    if (output == Output.JSON) {
      out().println(new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json(client, view)));
    } else {
      out().print(table(client, view));
    }
    return 0;
  }

  static String table(ClusterClient client, ClusterView view) {
    StringBuilder b = new StringBuilder();
    var lease = view.lease();
    b.append("Lease ").append(client.leaseName()).append(": ");
    if (!view.leaseExists()) {
      b.append("does not exist yet\n");
    } else {
      b.append(lease.holder() == null ? "free" : "held by " + lease.holder())
          .append(view.acquiredAt() == null ? "" : " since " + view.acquiredAt())
          .append(", ").append(lease.transitions()).append(" transitions")
          .append(view.renewedAt() == null ? "" : ", renewed " + view.renewedAt()).append('\n');
    }
    String target = view.endpointTarget();
    String member = view.endpointMember();
    b.append("Write endpoint: ").append(target == null ? "not published"
        : target.equals(member) ? target + " (no member reports this address)" : member + " (" + target + ")").append('\n');
    b.append("Automatic failover: ").append(lease.paused() ? "PAUSED (resume to re-enable)" : "on").append('\n');
    if (lease.handoverActive(System.currentTimeMillis())) {
      b.append((lease.forced() ? "Forced failover" : "Handover") + " to " + lease.handoverTo() + " in progress\n");
    }
    b.append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"MEMBER", "ROLE", "REDIS", "OFFSET", "LAG", "READY", "FENCED", "FENCING", "CANDIDATE"});
    for (Member m : view.members()) {
      if (!m.reachable()) {
        rows.add(new String[] {m.name(), "unreachable", "-", "-", "-", "-", "-", "-", "sidecar: " + m.error()});
        continue;
      }
      var s = m.status();
      String candidate = s.role().equals("leader") ? "(leader)" : s.candidate() ? "yes" : "no: " + s.notCandidateReason();
      rows.add(new String[] {
          m.name(), s.role(), s.healthy() ? "up" : "down", Long.toString(s.offset()),
          s.role().equals("leader") ? "-" : s.lagBytes() < 0 ? "?" : s.lagBytes() + " B",
          s.ready() ? "yes" : "no", s.fenced() ? "yes" : "no",
          s.fencing() == null ? "?" : s.fencing().startsWith("kill") ? "kill" : "pause only", candidate});
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }

  static Map<String, Object> json(ClusterClient client, ClusterView view) {
    Map<String, Object> lease = new LinkedHashMap<>();
    lease.put("name", client.leaseName());
    lease.put("exists", view.leaseExists());
    lease.put("holder", view.lease().holder());
    lease.put("acquireTime", view.acquiredAt() == null ? null : view.acquiredAt().toString());
    lease.put("renewTime", view.renewedAt() == null ? null : view.renewedAt().toString());
    lease.put("transitions", view.lease().transitions());
    lease.put("publishedLeader", view.lease().leader());
    lease.put("handoverTo", view.lease().handoverActive(System.currentTimeMillis()) ? view.lease().handoverTo() : null);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("lease", lease);
    root.put("paused", view.lease().paused());
    root.put("writeEndpoint", view.endpointTarget());
    root.put("writeEndpointMember", view.endpointMember());
    List<Map<String, Object>> members = new ArrayList<>();
    for (Member m : view.members()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", m.name());
      e.put("reachable", m.reachable());
      e.put("error", m.error());
      e.put("status", m.status());
      members.add(e);
    }
    root.put("members", members);
    return root;
  }
}
