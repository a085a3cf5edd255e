package io.github.redisleaseha.chart;

import static io.github.redisleaseha.chart.RenderedChart.render;
import static io.github.redisleaseha.chart.RenderedChart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPeer;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPort;
import io.kubernetes.client.openapi.models.V1NetworkPolicySpec;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * networkPolicy.*: the rendered NetworkPolicy, parsed with client-java's model, reduced to its flows
 * ("in TCP 6379 from pods{...}") and compared with exactly the flows the chart means to allow. The
 * policy is not enforced anywhere in these tests (no network plugin): this checks what it says.
 */
class ChartNetworkPolicyTest {

  private static final String MEMBERS = "pods{app.kubernetes.io/instance=demo,app.kubernetes.io/name=redis-lease-ha}";
  private static final String CLIENTS = "pods{demo-redis-lease-ha-client=true}";
  private static final String MONITORING = "ns{kubernetes.io/metadata.name=monitoring}";
  /** Out of the pods, whatever else is allowed: replication and the members' calls, DNS, the API server. */
  private static final List<String> EGRESS = List.of(
      "out TCP 6379 to " + MEMBERS,
      "out TCP 8080 to " + MEMBERS,
      "out UDP 53 to any",
      "out TCP 53 to any",
      "out TCP 443 to any",
      "out TCP 6443 to any",
      "out TCP 8443 to any");

  @Test
  void defaultsOpenRedisToAllAndTheSidecarPortToTheMembersAndMonitoringOnly() throws Exception {
    V1NetworkPolicy policy = policy(render(Map.of()));
    V1NetworkPolicySpec spec = policy.getSpec();
    assertThat(spec.getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(spec.getPodSelector().getMatchLabels())
        .isEqualTo(render(Map.of()).statefulSet().getSpec().getTemplate().getMetadata().getLabels());
    assertThat(flows(policy)).containsExactlyInAnyOrderElementsOf(with(EGRESS,
        "in TCP 6379 from any",
        "in TCP 8080 from " + MEMBERS,
        "in TCP 8080 from " + MONITORING));
  }

  @Test
  void withoutAllowExternalOnlyTheClientsTheMembersAndTheGivenNamespacesReachRedis() throws Exception {
    assertThat(flows(policy(render(values("networkPolicy.allowExternal", false))))).containsExactlyInAnyOrderElementsOf(with(EGRESS,
        "in TCP 6379 from " + MEMBERS,
        "in TCP 6379 from " + CLIENTS,
        "in TCP 8080 from " + MEMBERS,
        "in TCP 8080 from " + MONITORING));
    // Other namespaces: those with the labels, and in them the pods with the pod labels (both must hold).
    assertThat(flows(policy(render(values("networkPolicy.allowExternal", false,
        "networkPolicy.ingressNSMatchLabels.team", "shop", "networkPolicy.ingressNSPodMatchLabels.role", "cart")))))
        .contains("in TCP 6379 from ns{team=shop} pods{role=cart}")
        .filteredOn(f -> f.startsWith("in TCP 6379")).hasSize(3);
    assertThat(flows(policy(render(values("networkPolicy.allowExternal", false,
        "networkPolicy.ingressNSMatchLabels.team", "shop")))))
        .contains("in TCP 6379 from ns{team=shop}");
    // With allowExternal the namespace labels change nothing: everyone reaches Redis already.
    assertThat(flows(policy(render(values("networkPolicy.ingressNSMatchLabels.team", "shop")))))
        .filteredOn(f -> f.startsWith("in TCP 6379")).containsExactly("in TCP 6379 from any");
  }

  @Test
  void theHelmTestPodIsOneOfTheMembersSoItReachesRedisWithoutAllowExternal() throws Exception {
    V1Pod test = ChartTest.testPod(values("networkPolicy.allowExternal", false));
    assertThat(test.getMetadata().getLabels())
        .containsAllEntriesOf(policy(render(values("networkPolicy.allowExternal", false))).getSpec().getPodSelector().getMatchLabels());
  }

  @Test
  void sentinelEndpointPortFollowsRedisPortWhenOn() throws Exception {
    assertThat(flows(policy(render(values("sentinelEndpoint.enabled", true)))))
        .contains("in TCP 26379 from any");
    assertThat(flows(policy(render(values("sentinelEndpoint.enabled", true, "sentinelEndpoint.port", 26380,
        "networkPolicy.allowExternal", false)))))
        .contains("in TCP 26380 from " + MEMBERS, "in TCP 26380 from " + CLIENTS)
        .filteredOn(f -> f.contains("2638")).hasSize(2);
    assertThat(flows(policy(render(Map.of())))).noneMatch(f -> f.contains("2637"));
  }

  @Test
  void exporterPortIsOpenToMonitoringOnlyWhenTheExporterRuns() throws Exception {
    assertThat(flows(policy(render(values("metrics.enabled", true))))).containsExactlyInAnyOrderElementsOf(with(EGRESS,
        "in TCP 6379 from any",
        "in TCP 8080 from " + MEMBERS,
        "in TCP 8080 from " + MONITORING,
        "in TCP 9121 from " + MONITORING));
    assertThat(flows(policy(render(values("metrics.enabled", true, "networkPolicy.metrics.allowExternal", true)))))
        .contains("in TCP 8080 from any", "in TCP 9121 from any")
        .doesNotContain("in TCP 9121 from " + MONITORING);
    assertThat(flows(policy(render(values("metrics.enabled", true,
        "networkPolicy.metrics.ingressNSMatchLabels.kubernetes\\.io/metadata\\.name", "observability",
        "networkPolicy.metrics.ingressNSPodMatchLabels.app\\.kubernetes\\.io/name", "prometheus")))))
        .contains("in TCP 9121 from ns{kubernetes.io/metadata.name=observability} pods{app.kubernetes.io/name=prometheus}",
            "in TCP 8080 from ns{kubernetes.io/metadata.name=observability} pods{app.kubernetes.io/name=prometheus}");
  }

  @Test
  void withNoMonitoringSelectorsOnlyTheMembersReachTheSidecarPort() throws Exception {
    Path file = Files.createTempFile("values-", ".yaml");
    try {
      Files.writeString(file, "networkPolicy:\n  metrics:\n    ingressNSMatchLabels: null\n");
      assertThat(flows(policy(RenderedChart.render(RenderedChart.chartDir(), file, values("metrics.enabled", true)))))
          .containsExactlyInAnyOrderElementsOf(with(EGRESS,
              "in TCP 6379 from any",
              "in TCP 8080 from " + MEMBERS));
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void apiServerEgressGoesToTheGivenPortsAndCidrs() throws Exception {
    List<String> flows = flows(policy(render(values("networkPolicy.kubeAPIServerPorts[0]", 6443,
        "networkPolicy.kubeAPIServerCIDRs[0]", "10.0.0.10/32", "networkPolicy.kubeAPIServerCIDRs[1]", "192.168.1.0/24"))));
    assertThat(flows).filteredOn(f -> f.startsWith("out") && !f.contains(MEMBERS) && !f.contains(" 53 "))
        .containsExactlyInAnyOrder("out TCP 6443 to ip{10.0.0.10/32}", "out TCP 6443 to ip{192.168.1.0/24}");
  }

  @Test
  void extraRulesAreAppendedAsGiven() throws Exception {
    List<String> flows = flows(policy(render(values(
        "networkPolicy.extraIngress[0].ports[0].port", 9999,
        "networkPolicy.extraIngress[0].from[0].podSelector.matchLabels.app", "debug",
        "networkPolicy.extraEgress[0].ports[0].port", 5432,
        "networkPolicy.extraEgress[0].to[0].ipBlock.cidr", "10.1.0.0/16"))));
    assertThat(flows).containsExactlyInAnyOrderElementsOf(with(with(EGRESS,
        "in TCP 6379 from any",
        "in TCP 8080 from " + MEMBERS,
        "in TCP 8080 from " + MONITORING),
        "in TCP 9999 from pods{app=debug}",
        "out TCP 5432 to ip{10.1.0.0/16}"));
  }

  @Test
  void portsFollowTheValuesAndTheInjectedStatefulSetsPodsAreTheMembers() throws Exception {
    assertThat(render(values("workload.enabled", false, "workload.podSelector.app", "my-redis")).all(V1NetworkPolicy.class))
        .as("no policy on your own StatefulSet's pods unless asked for").isEmpty();
    List<String> flows = flows(policy(render(values("redis.port", 6380, "sidecar.httpPort", 9000,
        "workload.enabled", false, "workload.podSelector.app", "my-redis", "networkPolicy.injectedPods", true))));
    assertThat(flows).contains("in TCP 6380 from any", "in TCP 9000 from pods{app=my-redis}",
        "out TCP 6380 to pods{app=my-redis}", "out TCP 9000 to pods{app=my-redis}");
    assertThat(flows).noneMatch(f -> f.contains(" 6379 ") || f.contains(" 8080 "));
  }

  @Test
  void disabledRendersNoPolicy() throws Exception {
    assertThat(render(values("networkPolicy.enabled", false)).all(V1NetworkPolicy.class)).isEmpty();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "networkPolicy.kubeAPIServerCIDRs[0]|10.0.0.1|at '/networkPolicy/kubeAPIServerCIDRs/0'",
      "networkPolicy.kubeAPIServerPorts[0]|70000|at '/networkPolicy/kubeAPIServerPorts/0'",
      "networkPolicy.allowExternal|yes|at '/networkPolicy/allowExternal'",
      "networkPolicy.metrics.namespaceSelector.x|y|'namespaceSelector' not allowed",
      "networkPolicy.allowExtrnal|true|'allowExtrnal' not allowed",
      "networkPolicy.allowExternalEgress|true|'allowExternalEgress' not allowed",
  })
  void schemaRejectsBadValuesNamingTheField(String key, String value, String named) {
    Object typed = value.matches("-?\\d+") ? (Object) Integer.parseInt(value) : value.equals("true") ? (Object) true : value;
    assertThatThrownBy(() -> render(values(key, typed)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  // ---------------------------------------------------------------- helpers

  static V1NetworkPolicy policy(RenderedChart chart) {
    return chart.get(V1NetworkPolicy.class, "demo-redis-lease-ha");
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }

  /**
   * The policy as flows: one per rule, port and peer, "in PROTO PORT from PEER" or "out PROTO PORT to
   * PEER", where PEER is any (no peers: every source or destination), pods{labels} (pods of the
   * policy's namespace), ns{labels} (every pod there), ns{labels} pods{labels} (both must hold) or
   * ip{cidr}. Rules without ports are refused: the chart always names them.
   */
  static List<String> flows(V1NetworkPolicy policy) {
    List<String> flows = new ArrayList<>();
    V1NetworkPolicySpec spec = policy.getSpec();
    for (var rule : nullToEmpty(spec.getIngress())) {
      flows.addAll(flows("in", "from", rule.getPorts(), rule.getFrom()));
    }
    for (var rule : nullToEmpty(spec.getEgress())) {
      flows.addAll(flows("out", "to", rule.getPorts(), rule.getTo()));
    }
    return flows;
  }

  private static List<String> flows(String direction, String preposition, List<V1NetworkPolicyPort> ports,
      List<V1NetworkPolicyPeer> peers) {
    assertThat(ports).as("a rule without ports opens every port").isNotEmpty();
    List<String> peerNames = nullToEmpty(peers).isEmpty() ? List.of("any")
        : peers.stream().map(ChartNetworkPolicyTest::peer).toList();
    List<String> flows = new ArrayList<>();
    for (V1NetworkPolicyPort port : ports) {
      assertThat(port.getEndPort()).isNull();
      assertThat(port.getPort()).as("a port rule without a port opens every port").isNotNull();
      String p = (port.getProtocol() == null ? "TCP" : port.getProtocol()) + " "
          + (port.getPort().isInteger() ? String.valueOf(port.getPort().getIntValue()) : port.getPort().getStrValue());
      for (String peer : peerNames) {
        flows.add(direction + " " + p + " " + preposition + " " + peer);
      }
    }
    return flows;
  }

  private static String peer(V1NetworkPolicyPeer peer) {
    if (peer.getIpBlock() != null) {
      assertThat(peer.getPodSelector()).isNull();
      assertThat(peer.getNamespaceSelector()).isNull();
      assertThat(peer.getIpBlock().getExcept()).isNullOrEmpty();
      return "ip{" + peer.getIpBlock().getCidr() + "}";
    }
    List<String> parts = new ArrayList<>();
    if (peer.getNamespaceSelector() != null) {
      parts.add("ns" + selector(peer.getNamespaceSelector()));
    }
    if (peer.getPodSelector() != null) {
      parts.add("pods" + selector(peer.getPodSelector()));
    }
    assertThat(parts).as("an empty peer").isNotEmpty();
    return String.join(" ", parts);
  }

  private static String selector(V1LabelSelector s) {
    assertThat(s.getMatchExpressions()).isNullOrEmpty();
    Map<String, String> labels = new TreeMap<>(s.getMatchLabels() == null ? Map.of() : s.getMatchLabels());
    return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
