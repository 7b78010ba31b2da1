// The tables the kit writes, as Markdown (report.md, matrix.md, sweep.md, ...) and as CSV (one row
// a run or a cell, for a spreadsheet): one writer, so that every table has the same header line,
// separator and quoting, and a row can never have more or fewer cells than its header.

import java.util.ArrayList;
import java.util.List;

public final class Tables {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  private Tables(List<String> header) {
    this.header = header;
  }

  /** A table with these column names (for CSV, the names a spreadsheet shows). */
  public static Tables of(String... header) {
    return of(List.of(header));
  }

  public static Tables of(List<String> header) {
    return new Tables(List.copyOf(header));
  }

  /** One row: each cell as String.valueOf writes it ("null" for a null), one a column. */
  public Tables row(Object... cells) {
    return row(java.util.Arrays.asList(cells));
  }

  public Tables row(List<?> cells) {
    if (cells.size() != header.size())
      throw new IllegalArgumentException(
          "a row of " + cells.size() + " cells for " + header.size() + " columns " + header);
    List<String> row = new ArrayList<>();
    for (Object c : cells) row.add(String.valueOf(c));
    rows.add(row);
    return this;
  }

  /** PARTS one after the other: columns (or cells) that several tables share, with their own. */
  @SafeVarargs
  public static <T> List<T> join(List<? extends T>... parts) {
    List<T> all = new ArrayList<>();
    for (List<? extends T> p : parts) all.addAll(p);
    return all;
  }

  /** | a | b |, then |---|---|, then a line a row. */
  public String markdown() {
    StringBuilder md = new StringBuilder(markdownLine(header));
    md.append("|---".repeat(header.size())).append("|\n");
    for (List<String> r : rows) md.append(markdownLine(r));
    return md.toString();
  }

  /** The header line, then a line a row; a cell with a comma, a quote or a newline is quoted. */
  public String csv() {
    StringBuilder csv = new StringBuilder(String.join(",", header)).append('\n');
    for (List<String> r : rows)
      csv.append(String.join(",", r.stream().map(Tables::csvCell).toList())).append('\n');
    return csv.toString();
  }

  private static String markdownLine(List<String> cells) {
    return "| " + String.join(" | ", cells) + " |\n";
  }

  static String csvCell(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\""
        : s;
  }
}
