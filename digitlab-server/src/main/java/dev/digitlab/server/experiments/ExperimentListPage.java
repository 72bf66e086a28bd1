package dev.digitlab.server.experiments;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.security.Caller;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code /}: the experiments, sorted by any column, filtered, paged. While one of them is queued or
 * running, the table polls itself every two seconds so statuses update live; it stops once all have
 * stopped.
 */
@Controller
@WebPage
class ExperimentListPage {

  static final int PAGE_SIZE = 25;

  /** A column of the table and the sort it uses. */
  record Column(String key, String label, boolean numeric, String href) {}

  /** One experiment as the table shows it. */
  record Row(
      long id,
      String name,
      String owner,
      List<String> tags,
      String status,
      String bestAccuracy,
      String bestF1,
      String runTime,
      int done,
      int total,
      String created,
      String createdIso) {}

  private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

  static {
    COLUMNS.put("name", "Name");
    COLUMNS.put("owner", "Owner");
    COLUMNS.put("status", "Status");
    COLUMNS.put("best_test_accuracy", "Best test accuracy");
    COLUMNS.put("best_test_f1_macro", "Best macro-F1");
    COLUMNS.put("total_train_seconds", "Run time");
    COLUMNS.put("trials_done", "Trials done/total");
    COLUMNS.put("created", "Created");
  }

  private final ExperimentStore experiments;
  private final Ownership ownership;

  ExperimentListPage(ExperimentStore experiments, Ownership ownership) {
    this.experiments = experiments;
    this.ownership = ownership;
  }

  @GetMapping("/")
  String list(
      @RequestParam(defaultValue = "created") String sort,
      @RequestParam(defaultValue = "desc") String order,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String owner,
      @RequestParam(required = false) String tag,
      @RequestParam(required = false) String q,
      @RequestParam(defaultValue = "0") int page,
      Model model,
      HttpServletRequest request) {
    if (!COLUMNS.containsKey(sort)) {
      throw new InvalidParameterException(
          "sort", "must be one of " + String.join(", ", COLUMNS.keySet()) + ", got '" + sort + "'");
    }
    boolean descending = !"asc".equals(order);
    String cleanStatus = status == null || status.isBlank() ? null : status.trim();
    String cleanOwner = owner == null || owner.isBlank() ? null : owner.trim();
    String cleanTag = tag == null || tag.isBlank() ? null : tag.trim();
    String cleanText = q == null || q.isBlank() ? null : q.trim();
    int pageNumber = Math.max(0, page);
    ExperimentQuery query =
        ExperimentQuery.newestFirst()
            .sortedBy(ExperimentSort.valueOf(sort.toUpperCase(Locale.ROOT)), descending)
            .withStatus(cleanStatus == null ? null : ExperimentController.parseStatus(cleanStatus))
            .withOwner(cleanOwner)
            .withTag(cleanTag)
            .withNameContaining(cleanText)
            .page(pageNumber * PAGE_SIZE, PAGE_SIZE);
    Page<Experiment> found = experiments.list(query);
    Map<Long, TrialCounts> counts =
        experiments.countTrials(found.items().stream().map(Experiment::id).toList());
    List<Row> rows = found.items().stream().map(e -> row(e, counts.get(e.id()))).toList();
    String orderName = descending ? "desc" : "asc";
    Link link = new Link(sort, orderName, cleanStatus, cleanOwner, cleanTag, cleanText, pageNumber);
    long pageCount = Math.max(1, (found.total() + PAGE_SIZE - 1) / PAGE_SIZE);

    model.addAttribute("sort", sort);
    model.addAttribute("order", orderName);
    model.addAttribute("status", cleanStatus);
    model.addAttribute("owner", cleanOwner);
    // The caller's own experiments, one click away (only when a token or login says who it is).
    model.addAttribute("me", Caller.of(request).map(Caller::name).orElse(null));
    model.addAttribute("tag", cleanTag);
    model.addAttribute("q", cleanText);
    model.addAttribute(
        "statuses",
        Arrays.stream(ExperimentStatus.values()).map(ExperimentStatus::dbValue).toList());
    model.addAttribute(
        "filtered",
        cleanStatus != null || cleanOwner != null || cleanTag != null || cleanText != null);
    model.addAttribute("page", found);
    model.addAttribute("rows", rows);
    // The import form is for those who may write, as POST /api/v1/experiments/import is.
    model.addAttribute("mayImport", ownership.mayWrite(request));
    model.addAttribute("pageNumber", pageNumber);
    model.addAttribute("pageCount", pageCount);
    model.addAttribute(
        "columns",
        COLUMNS.entrySet().stream()
            .map(
                c ->
                    new Column(
                        c.getKey(),
                        c.getValue(),
                        !c.getKey().equals("name")
                            && !c.getKey().equals("owner")
                            && !c.getKey().equals("status")
                            && !c.getKey().equals("created"),
                        link.sortedBy(c.getKey())))
            .toList());
    model.addAttribute("selfUrl", link.url());
    model.addAttribute("prevUrl", pageNumber > 0 ? link.page(pageNumber - 1) : null);
    model.addAttribute("nextUrl", pageNumber + 1 < pageCount ? link.page(pageNumber + 1) : null);
    model.addAttribute(
        "active",
        rows.stream().anyMatch(r -> r.status().equals("queued") || r.status().equals("running")));
    return "experiments/list";
  }

  private static Row row(Experiment e, TrialCounts counts) {
    TrialCounts c = counts == null ? new TrialCounts(0, 0, 0, 0, 0) : counts;
    return new Row(
        e.id(),
        e.name(),
        e.owner(),
        e.tags(),
        e.status().dbValue(),
        Figures.percent(e.bestTestAccuracy()),
        Figures.metric(e.bestTestF1Macro()),
        Figures.duration(e.totalTrainSeconds()),
        c.succeeded() + c.failed() + c.cancelled(),
        c.total(),
        Figures.time(e.createdAt()),
        e.createdAt().toString());
  }

  /** The list's address with its filters, for sort headers, pages and polling. */
  private record Link(
      String sort,
      String order,
      String status,
      String owner,
      String tag,
      String q,
      int pageNumber) {

    String url() {
      return build(sort, order, pageNumber);
    }

    String page(int number) {
      return build(sort, order, number);
    }

    /** The column's header link: its own sort, flipping the order when it is the current one. */
    String sortedBy(String column) {
      String next =
          column.equals(sort)
              ? (order.equals("desc") ? "asc" : "desc")
              : (column.equals("name") ? "asc" : "desc");
      return build(column, next, 0);
    }

    private String build(String sortKey, String orderName, int number) {
      UriComponentsBuilder uri =
          UriComponentsBuilder.fromPath("/")
              .queryParam("sort", sortKey)
              .queryParam("order", orderName);
      if (status != null) {
        uri.queryParam("status", status);
      }
      if (owner != null) {
        uri.queryParam("owner", owner);
      }
      if (tag != null) {
        uri.queryParam("tag", tag);
      }
      if (q != null) {
        uri.queryParam("q", q);
      }
      if (number > 0) {
        uri.queryParam("page", number);
      }
      return uri.encode().build().toUriString();
    }
  }
}
