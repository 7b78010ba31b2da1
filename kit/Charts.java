//DEPS org.knowm.xchart:xchart:3.8.8

// PNG charts where people would rather look than read: lost % with its 95% interval (the sweep, the
// version matrix), orphaned executions over time (the Dapr runs), and each lost task's last poll
// and shutdown on one time axis. Plain numbers in, no engine's types, so any report can draw.
// Rendered headless with XChart.

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

public final class Charts {
  private Charts() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Points of one line or group: x (a number or a label), lost %, and its 95% interval. */
  public static final class Series {
    final List<Object> xs = new ArrayList<>();
    final List<Double> ys = new ArrayList<>(), los = new ArrayList<>(), his = new ArrayList<>();

    /** A rate of null (an incomplete run) has nothing to draw and adds no point. */
    public Series add(Object x, Double pct, List<Double> ci95) {
      if (pct == null || ci95 == null) return this;
      xs.add(x);
      ys.add(pct);
      los.add(ci95.get(0));
      his.add(ci95.get(1));
      return this;
    }
  }

  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f)
  };

  /**
   * Each rate as a point and its Wilson interval as a whisker from its low to its high end. The
   * interval is not symmetric around the rate (0.10% of 1,000 is 0.02-0.56%), which XChart's error
   * bars cannot draw.
   */
  private static void pointsWithIntervals(
      XYChart chart, String name, Color color, List<Double> x, Series s, boolean line) {
    if (x.isEmpty()) return;
    XYSeries points = chart.addSeries(name, x, s.ys);
    points.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(color).setLineColor(color);
    if (!line) points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    for (int i = 0; i < x.size(); i++) {
      chart
          .addSeries(
              name + " interval " + i,
              new double[] {x.get(i), x.get(i)},
              new double[] {s.los.get(i), s.his.get(i)})
          .setMarker(SeriesMarkers.NONE)
          .setLineColor(color)
          .setLineStyle(SeriesLines.SOLID)
          .setShowInLegend(false);
    }
  }

  public static void lostByX(
      Path png, String title, String xTitle, boolean logX, Map<String, Series> series) {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(520)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle("lost activity tasks, % (95% CI)")
            .build();
    chart.getStyler().setXAxisLogarithmic(logX).setYAxisMin(0.0);
    chart
        .getStyler()
        .setLegendPosition(Styler.LegendPosition.InsideNE)
        .setChartBackgroundColor(Color.WHITE);
    int k = 0;
    for (var e : series.entrySet()) {
      List<Double> x = e.getValue().xs.stream().map(o -> ((Number) o).doubleValue()).toList();
      pointsWithIntervals(chart, e.getKey(), PALETTE[k++ % PALETTE.length], x, e.getValue(), true);
    }
    save(chart, png);
  }

  /**
   * One column per category (e.g. server / SDK), the series side by side in it. A cell that was not
   * run (no fix flag on an old server) has no point: never a zero that reads as "measured, nothing
   * lost".
   */
  public static void lostByCategory(Path png, String title, Map<String, Series> series) {
    List<Object> all = new ArrayList<>();
    series
        .values()
        .forEach(
            s ->
                s.xs.forEach(
                    x -> {
                      if (!all.contains(x)) all.add(x);
                    }));
    XYChart chart =
        new XYChartBuilder()
            .width(1000)
            .height(560)
            .title(title)
            .yAxisTitle("lost activity tasks, % (95% CI)")
            .build();
    chart.getStyler().setYAxisMin(0.0).setXAxisMin(-0.5).setXAxisMax(all.size() - 0.5);
    chart
        .getStyler()
        .setLegendPosition(Styler.LegendPosition.InsideNE)
        .setChartBackgroundColor(Color.WHITE)
        .setMarkerSize(9);
    chart
        .getStyler()
        .setxAxisTickLabelsFormattingFunction(
            v -> {
              long i = Math.round(v);
              return Math.abs(v - i) < 1e-6 && i >= 0 && i < all.size()
                  ? String.valueOf(all.get((int) i))
                  : String.valueOf(v); // XChart hides every label when some are blank
            });
    int k = 0, n = series.size();
    for (var e : series.entrySet()) {
      double offset = n == 1 ? 0 : -0.15 + 0.3 * k / (n - 1);
      List<Double> x = e.getValue().xs.stream().map(o -> all.indexOf(o) + offset).toList();
      pointsWithIntervals(chart, e.getKey(), PALETTE[k++ % PALETTE.length], x, e.getValue(), false);
    }
    save(chart, png);
  }

  /** Lines of (seconds, value) with vertical markers (e.g. when the state was lost). */
  public static void timeline(
      Path png,
      String title,
      String xTitle,
      String yTitle,
      Map<String, double[][]> lines,
      Map<String, Double> markers) {
    XYChart chart =
        new XYChartBuilder()
            .width(1000)
            .height(520)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart
        .getStyler()
        .setLegendPosition(Styler.LegendPosition.InsideNW)
        .setChartBackgroundColor(Color.WHITE)
        .setMarkerSize(3);
    double top = 1;
    for (double[][] xy : lines.values()) for (double y : xy[1]) top = Math.max(top, y);
    for (var e : lines.entrySet()) {
      if (e.getValue()[0].length == 0) continue;
      chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]).setMarker(SeriesMarkers.NONE);
    }
    for (var m : markers.entrySet()) {
      chart
          .addSeries(m.getKey(), new double[] {m.getValue(), m.getValue()}, new double[] {0, top})
          .setMarker(SeriesMarkers.NONE)
          .setLineStyle(
              new java.awt.BasicStroke(
                  1.5f,
                  java.awt.BasicStroke.CAP_BUTT,
                  java.awt.BasicStroke.JOIN_MITER,
                  10,
                  new float[] {6, 4},
                  0));
    }
    save(chart, png);
  }

  /**
   * One row per item (top to bottom, labelled at the left), each series a set of (x, row) points,
   * and a vertical line at x = 0: e.g. each lost task's events around its hand-over.
   */
  public static void rows(
      Path png,
      String title,
      String xTitle,
      List<String> rowLabels,
      Map<String, double[][]> series) {
    int n = rowLabels.size();
    double lo = 0, hi = 0;
    for (double[][] xy : series.values())
      for (double x : xy[0]) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    double span = Math.max(1, hi - lo), labelX = lo - 0.2 * span;
    XYChart chart =
        new XYChartBuilder()
            .width(1100)
            .height(Math.max(360, 130 + 24 * n))
            .title(title)
            .xAxisTitle(xTitle)
            .build();
    chart
        .getStyler()
        .setYAxisMin(-0.5)
        .setYAxisMax(n - 0.5)
        .setXAxisMin(lo - 0.4 * span)
        .setXAxisMax(hi + 0.05 * span);
    chart.getStyler().setYAxisTicksVisible(false).setPlotGridHorizontalLinesVisible(false);
    chart
        .getStyler()
        .setLegendPosition(Styler.LegendPosition.OutsideS)
        .setLegendLayout(Styler.LegendLayout.Horizontal)
        .setChartBackgroundColor(Color.WHITE)
        .setMarkerSize(9);
    var markers =
        new org.knowm.xchart.style.markers.Marker[] {
          SeriesMarkers.CIRCLE,
          SeriesMarkers.DIAMOND,
          SeriesMarkers.SQUARE,
          SeriesMarkers.TRIANGLE_UP,
          SeriesMarkers.TRIANGLE_DOWN,
          SeriesMarkers.CROSS,
          SeriesMarkers.PLUS,
          SeriesMarkers.OVAL
        };
    chart
        .addSeries("0 = the hand-over", new double[] {0, 0}, new double[] {-0.5, n - 0.5})
        .setMarker(SeriesMarkers.NONE)
        .setLineColor(Color.GRAY);
    int k = 0;
    for (var e : series.entrySet()) {
      double[][] xy = e.getValue();
      if (xy[0].length == 0) continue;
      double[] flipped = new double[xy[1].length];
      for (int i = 0; i < flipped.length; i++) flipped[i] = n - 1 - xy[1][i];
      XYSeries s = chart.addSeries(e.getKey(), xy[0], flipped);
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
          .setMarkerColor(PALETTE[k % PALETTE.length])
          .setMarker(markers[k % markers.length]);
      k++;
    }
    for (int i = 0; i < n; i++)
      chart.addAnnotation(
          new org.knowm.xchart.AnnotationText(rowLabels.get(i), labelX, n - 1 - i, false));
    save(chart, png);
  }

  static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) {
    try {
      java.nio.file.Files.createDirectories(png.toAbsolutePath().getParent());
      BitmapEncoder.saveBitmap(
          chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException | RuntimeException | Error e) {
      // A chart is an extra: the tables and summaries stand without it, so say so in one line and
      // go on.
      System.err.println(
          "warning: could not draw " + png + ": " + Cli.firstLine(String.valueOf(e.getMessage())));
    }
  }
}
