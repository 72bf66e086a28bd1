package dev.digitlab.server.mlflow;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One page of a listing as MLflow's server pages them: {@code max_results} items from the offset in
 * {@code page_token} (base64 of {@code {"offset": n}}, as MLflow's SQL store writes it), and a
 * {@code next_page_token} while more remain. Every paged MLflow answer (experiments, runs, metric
 * history, models, versions) goes through here.
 */
final class MlflowPage {

  /** The most any listing returns at once (MLflow's SEARCH_MAX_RESULTS_THRESHOLD). */
  static final int MAX_RESULTS_LIMIT = 50_000;

  private MlflowPage() {}

  /**
   * {@code items[offset, offset + max_results)} as {@code field} of a new answer, each through
   * {@code view}; {@code otherwise} is the page size when the request names none.
   */
  static <T> ObjectNode of(
      MlflowRequest fields,
      String field,
      List<T> items,
      int otherwise,
      Function<? super T, ? extends JsonNode> view) {
    ObjectNode answer = MlflowJsonViews.object();
    ArrayNode array = answer.putArray(field);
    List<T> page = page(fields, items, otherwise);
    page.forEach(item -> array.add(view.apply(item)));
    int end = offset(fields.string("page_token")) + page.size();
    if (end < items.size()) {
      answer.put("next_page_token", token(end));
    }
    return answer;
  }

  /** The items of the page {@link #of} answers with, for what it needs read first. */
  static <T> List<T> page(MlflowRequest fields, List<T> items, int otherwise) {
    int max = maxResults(fields, otherwise);
    int offset = offset(fields.string("page_token"));
    int end = (int) Math.min(items.size(), (long) offset + max);
    return offset >= end ? List.of() : items.subList(offset, end);
  }

  /** The page size asked for (1 to {@link #MAX_RESULTS_LIMIT}), or {@code otherwise}. */
  static int maxResults(MlflowRequest fields, int otherwise) {
    Long asked = fields.int64OrNull("max_results");
    if (asked == null) {
      return otherwise;
    }
    long value = asked;
    if (value < 1 || value > MAX_RESULTS_LIMIT) {
      throw MlflowException.invalid(
          "Invalid value "
              + value
              + " for parameter 'max_results' supplied. It must be at most "
              + MAX_RESULTS_LIMIT
              + " and at least 1");
    }
    return (int) value;
  }

  static String token(int offset) {
    return Base64.getEncoder()
        .encodeToString(("{\"offset\": " + offset + "}").getBytes(StandardCharsets.UTF_8));
  }

  static int offset(String token) {
    if (token == null || token.isEmpty()) {
      return 0;
    }
    try {
      JsonNode node =
          MlflowRequest.JSON.readTree(
              new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8));
      JsonNode offset = node.get("offset");
      if (offset != null && offset.canConvertToInt() && offset.asInt() >= 0) {
        return offset.asInt();
      }
    } catch (IllegalArgumentException | JacksonException e) {
      // refused below
    }
    throw MlflowException.invalid("Invalid page token, could not base64-decode it: " + token);
  }
}
