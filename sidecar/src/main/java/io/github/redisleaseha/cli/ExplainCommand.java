package io.github.redisleaseha.cli;

import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.ClusterView.Member;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code explain}: who would win a failover right now, and why each other member would not. */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Say which member would win a failover now, and why each other member would not.")
public final class ExplainCommand extends OpsCommand {

  @Override
  int run(ClusterClient client) throws Exception {
    out().print(explain(client.view()));
    return 0;
  }

  public static String explain(ClusterView view) {
    StringBuilder b = new StringBuilder();
    List<Member> candidates = view.candidates();
    String leader = view.leader().map(Member::name).orElse(null);
    if (view.lease().paused()) {
      b.append("The cluster is paused: no member would take over automatically until resume.\n");
    } else if (candidates.isEmpty()) {
      b.append("No member could take over now: if ").append(leader == null ? "the leader" : leader)
          .append(" failed, writes would stop until one becomes eligible.\n");
    } else {
      Member winner = candidates.get(0);
      b.append(winner.name()).append(" would win a failover now: ")
          .append(candidates.size() == 1 ? "the only candidate" : "the most up-to-date of " + candidates.size() + " candidates")
          .append(", at offset ").append(winner.status().offset()).append(".\n");
    }
    for (Member m : view.members()) {
      if (m.name().equals(leader)) {
        b.append("- ").append(m.name()).append(" is the leader.\n");
      } else if (!m.reachable()) {
        b.append("- ").append(m.name()).append(" would not: its sidecar does not answer (").append(m.error()).append(").\n");
      } else if (!m.status().candidate()) {
        b.append("- ").append(m.name()).append(" would not: ").append(m.status().notCandidateReason()).append(".\n");
      } else if (!candidates.isEmpty() && m != candidates.get(0)) {
        long behind = candidates.get(0).status().offset() - m.status().offset();
        b.append("- ").append(m.name()).append(" is a candidate too, ")
            .append(behind > 0 ? behind + " bytes behind; if it asked first it would step back or catch up"
                : "level with " + candidates.get(0).name() + "; whichever asks first wins")
            .append(".\n");
      }
    }
    return b.toString();
  }
}
