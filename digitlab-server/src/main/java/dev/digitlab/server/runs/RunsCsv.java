package dev.digitlab.server.runs;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.runs.RunsPage.Row;
import dev.digitlab.server.runs.RunsPage.Table;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The runs table as CSV. A download for scripts and {@code digitlab show -o csv}, so not a
 * {@code @WebPage}: a bad filter is the API's problem details (400, "Invalid filter …"), which the
 * CLI prints, not an HTML error page.
 */
@Controller
class RunsCsv {

  private static final Pattern NUMBER =
      Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?Infinity");

  private final RunsPage page;

  RunsCsv(RunsPage page) {
    this.page = page;
  }

  @GetMapping(path = "/experiments/{id}/runs.csv")
  ResponseEntity<byte[]> csv(
      @PathVariable long id,
      @RequestParam(required = false) String filter,
      @RequestParam(required = false) String params,
      @RequestParam(required = false) String metrics,
      @RequestParam(required = false) String order,
      @RequestParam(required = false) String view) {
    RunReader.View shown;
    try {
      shown = RunReader.View.of(view);
    } catch (InvalidFilterException e) {
      throw new InvalidParameterException("view", e.getMessage());
    }
    Table table;
    try {
      // Columns not named (the CLI's 'show -o csv', a script): every param and metric, as
      // MLflow's search_runs gives them; the page's default is its first six of each, which left
      // out a grid's searched learningRate and its objective test_f1_macro. The page's Download
      // link names the columns it shows.
      table = page.table(id, shown, filter, params, metrics, order, Integer.MAX_VALUE);
    } catch (InvalidFilterException e) {
      throw new InvalidParameterException("filter", e.getMessage());
    }
    StringBuilder csv = new StringBuilder();
    List<String> header =
        new ArrayList<>(List.of("run_id", "run_name", "kind", "status", "user", "start_time"));
    table.paramColumns().forEach(key -> header.add("params." + key));
    table.metricColumns().forEach(key -> header.add("metrics." + key));
    line(csv, header);
    for (Row row : table.rows()) {
      List<String> cells =
          new ArrayList<>(
              List.of(
                  row.run().runId(),
                  row.run().name(),
                  row.run().kind(),
                  row.run().status(),
                  row.run().user() == null ? "" : row.run().user(),
                  row.started()));
      cells.addAll(row.params());
      for (String key : table.metricColumns()) {
        Run.LatestMetric metric = row.run().metrics().get(key);
        cells.add(metric == null ? "" : Double.toString(metric.value()));
      }
      line(csv, cells);
    }
    return ResponseEntity.ok()
        .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            "attachment; filename=\"experiment-" + id + "-runs.csv\"")
        .body(csv.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void line(StringBuilder csv, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      // RFC 4180 quoting. A cell a spreadsheet would read as a formula (OWASP's list: a leading =,
      // +, -, @, tab or carriage return) gets a leading ' so that it stays text; a number, -0.5
      // or 1e-3 included, stays a number.
      boolean quote =
          cell.contains(",") || cell.contains("\"") || cell.contains("\n") || cell.contains("\r");
      if (!cell.isEmpty()
          && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0
          && !NUMBER.matcher(cell).matches()) {
        cell = "'" + cell;
        quote = true;
      }
      csv.append(i == 0 ? "" : ",").append(quote ? "\"" + cell.replace("\"", "\"\"") + "\"" : cell);
    }
    csv.append("\r\n");
  }
}
