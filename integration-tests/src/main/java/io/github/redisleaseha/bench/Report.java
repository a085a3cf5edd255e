package io.github.redisleaseha.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** Turns trial results into a Markdown table, a CSV of every trial and a PNG chart. */
final class Report {

  /** Figures of one system in one scenario. */
  record Row(String system, Scenario scenario, int trials, long min, long median, long p95, long max,
             int lost, int splitBrain, int unrecovered) {}

  private Report() {}

  static List<Row> rows(List<Trial.Result> results) {
    Map<String, List<Trial.Result>> groups = new LinkedHashMap<>();
    for (Trial.Result r : results) {
      groups.computeIfAbsent(r.system() + "|" + r.scenario(), k -> new ArrayList<>()).add(r);
    }
    List<Row> rows = new ArrayList<>();
    for (List<Trial.Result> g : groups.values()) {
      long[] u = g.stream().mapToLong(Trial.Result::unavailableMs).sorted().toArray();
      rows.add(new Row(g.get(0).system(), g.get(0).scenario(), g.size(), u[0], percentile(u, 50), percentile(u, 95),
          u[u.length - 1], g.stream().mapToInt(Trial.Result::lost).sum(), g.stream().mapToInt(Trial.Result::splitBrain).sum(),
          (int) g.stream().filter(r -> !r.recovered()).count()));
    }
    return rows;
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static String markdown(List<Row> rows, String ours, List<String> others, List<Footprints.Usage> usage, String startup,
      ApiLoad.Result apiLoad) {
    StringBuilder md = new StringBuilder();
    md.append("| scenario | system | trials | unavailability min / median / p95 / max (ms) | acked writes lost | split-brain writes |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append(String.format("| %s | %s | %d | %d / %d / %d / %d%s | %d | %d |%n", r.scenario().description, r.system(), r.trials(),
          r.min(), r.median(), r.p95(), r.max(), r.unrecovered() > 0 ? " (" + r.unrecovered() + " not recovered)" : "",
          r.lost(), r.splitBrain()));
    }
    md.append("\nRatio of median unavailability, ours / Sentinel (below 1 means ours is faster):\n\n");
    md.append("| scenario | ").append(String.join(" | ", others)).append(" |\n");
    md.append("|---|").append("---|".repeat(others.size())).append("\n");
    for (Scenario s : Scenario.values()) {
      Row mine = find(rows, ours, s);
      if (mine == null || others.stream().allMatch(o -> find(rows, o, s) == null)) {
        continue;
      }
      md.append("| ").append(s.description).append(" | ");
      md.append(others.stream().map(o -> {
        Row theirs = find(rows, o, s);
        if (theirs == null || theirs.median() == 0) {
          return "n/a";
        }
        double ratio = (double) mine.median() / theirs.median();
        return ratio <= 1
            ? String.format("%.2f (%.1fx faster)", ratio, 1 / ratio)
            : String.format("%.2f (%.1fx slower)", ratio, ratio);
      }).collect(Collectors.joining(" | "))).append(" |\n");
    }
    md.append("\nIdle footprint:\n\n| process | RSS (MiB) | CPU (% of one core) |\n|---|---|---|\n");
    for (Footprints.Usage u : usage) {
      md.append(String.format("| %s | %.1f | %.2f |%n", u.process(), u.rssMiB(), u.cpuPercent()));
    }
    md.append("\n").append(apiLoad.markdown());
    md.append("\n").append(startup).append("\n");
    return md.toString();
  }

  static Row find(List<Row> rows, String system, Scenario s) {
    return rows.stream().filter(r -> r.system().equals(system) && r.scenario() == s).findFirst().orElse(null);
  }

  static void csv(List<Trial.Result> results, Path file) throws IOException {
    StringBuilder csv = new StringBuilder("system,scenario,trial,unavailable_ms,acked_lost,split_brain,from,to,recovered\n");
    for (Trial.Result r : results) {
      csv.append(String.join(",", r.system(), r.scenario().name(), Integer.toString(r.trial()), Long.toString(r.unavailableMs()),
          Integer.toString(r.lost()), Integer.toString(r.splitBrain()), String.valueOf(r.from()), String.valueOf(r.to()),
          Boolean.toString(r.recovered()))).append('\n');
    }
    Files.writeString(file, csv);
  }

  /** The idle API load, one row per request kind and verb. */
  static void apiCsv(ApiLoad.Result load, Path file) throws IOException {
    StringBuilder csv = new StringBuilder("request,count,seconds,per_second\n");
    load.byRequest().forEach((request, count) -> csv.append(String.format(java.util.Locale.ROOT, "%s,%d,%.1f,%.3f%n",
        request, count, load.seconds(), count / load.seconds())));
    Files.writeString(file, csv);
  }

  static void chart(List<Row> rows, List<String> systems, Path file) throws IOException {
    java.lang.System.setProperty("java.awt.headless", "true");
    CategoryChart chart = new CategoryChartBuilder().width(1000).height(560)
        .title("Write unavailability per fault (median of trials)").xAxisTitle("fault").yAxisTitle("ms").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    chart.getStyler().setXAxisLabelRotation(10);
    List<String> categories = new ArrayList<>();
    for (Scenario s : Scenario.values()) {
      if (rows.stream().anyMatch(r -> r.scenario() == s)) {
        categories.add(s.name().toLowerCase().replace('_', ' '));
      }
    }
    for (String system : systems) {
      List<Number> values = new ArrayList<>();
      for (Scenario s : Scenario.values()) {
        if (rows.stream().noneMatch(r -> r.scenario() == s)) {
          continue;
        }
        Row r = find(rows, system, s);
        values.add(r == null ? 0 : r.median());
      }
      chart.addSeries(system, categories, values);
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
