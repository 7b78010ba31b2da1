//DEPS org.knowm.xchart:xchart:3.8.8

// PNG charts where people would rather look than read: lost % with its 95% interval (the sweep, the
// version matrix), and orphaned executions over time (the Dapr runs). Rendered headless with XChart.

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

public final class Charts {
  private Charts() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Points of one line or bar group: x (a number or a label), lost %, and its 95% interval. */
  public static final class Series {
    final List<Object> xs = new ArrayList<>();
    final List<Double> ys = new ArrayList<>(), errors = new ArrayList<>();

    public Series add(Object x, Loss.Summary s) {
      if (s.lostPct() == null) return this; // an incomplete run has no rate to draw
      xs.add(x);
      ys.add(s.lostPct());
      // XChart draws symmetric error bars: half the interval's width around the point.
      errors.add((s.lostPctCi95().get(1) - s.lostPctCi95().get(0)) / 2);
      return this;
    }
  }

  public static void lostByX(Path png, String title, String xTitle, boolean logX, Map<String, Series> series) {
    XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(xTitle).yAxisTitle("lost activity tasks, % (95% CI)").build();
    chart.getStyler().setXAxisLogarithmic(logX).setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(java.awt.Color.WHITE);
    series.forEach((name, s) -> {
      List<Double> x = s.xs.stream().map(o -> ((Number) o).doubleValue()).toList();
      chart.addSeries(name, x, s.ys, s.errors).setMarker(SeriesMarkers.CIRCLE);
    });
    save(chart, png);
  }

  public static void lostByCategory(Path png, String title, Map<String, Series> series) {
    CategoryChart chart = new CategoryChartBuilder().width(1000).height(560).title(title).yAxisTitle("lost activity tasks, % (95% CI)").build();
    chart.getStyler().setXAxisLabelRotation(20);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(java.awt.Color.WHITE);
    // Every series must have the same categories: a cell that was not run (no fix flag on an old server) is 0 with no bar label.
    List<Object> all = new ArrayList<>();
    series.values().forEach(s -> s.xs.forEach(x -> { if (!all.contains(x)) all.add(x); }));
    series.forEach((name, s) -> {
      List<Double> ys = new ArrayList<>(), es = new ArrayList<>();
      for (Object x : all) {
        int i = s.xs.indexOf(x);
        ys.add(i < 0 ? 0.0 : s.ys.get(i));
        es.add(i < 0 ? 0.0 : s.errors.get(i));
      }
      chart.addSeries(name, all.stream().map(String::valueOf).toList(), ys, es);
    });
    save(chart, png);
  }

  /** Lines of (seconds, value) with vertical markers (e.g. when the state was lost). */
  public static void timeline(Path png, String title, String xTitle, String yTitle, Map<String, double[][]> lines, Map<String, Double> markers) {
    XYChart chart = new XYChartBuilder().width(1000).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW).setChartBackgroundColor(java.awt.Color.WHITE).setMarkerSize(3);
    double top = 1;
    for (double[][] xy : lines.values()) for (double y : xy[1]) top = Math.max(top, y);
    for (var e : lines.entrySet()) {
      if (e.getValue()[0].length == 0) continue;
      chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]).setMarker(SeriesMarkers.NONE);
    }
    for (var m : markers.entrySet()) {
      chart.addSeries(m.getKey(), new double[] {m.getValue(), m.getValue()}, new double[] {0, top}).setMarker(SeriesMarkers.NONE)
          .setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
    }
    save(chart, png);
  }

  static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) {
    try {
      java.nio.file.Files.createDirectories(png.toAbsolutePath().getParent());
      BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException | RuntimeException | Error e) {
      // A chart is an extra: the tables and summaries stand without it, so say so in one line and go on.
      System.err.println("warning: could not draw " + png + ": " + Cli.firstLine(String.valueOf(e.getMessage())));
    }
  }
}
