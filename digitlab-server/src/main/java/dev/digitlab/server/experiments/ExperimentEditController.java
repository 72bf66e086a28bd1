package dev.digitlab.server.experiments;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code PATCH /api/v1/experiments/{id}}: edits an experiment's description, tags and notes after
 * it was made; a field left out stays as it is. Only its owner or an admin may (a 403 otherwise).
 */
@RestController
@RequestMapping("/api/v1/experiments")
class ExperimentEditController {

  static final int MAX_DESCRIPTION = 10_000;
  static final int MAX_NOTES = 100_000;
  static final int MAX_TAG = 50;

  /**
   * The body: any of the three; null leaves that one unchanged, "" or [] clears it. {@code other}
   * collects any other field, which is refused: ignored, {"name": …} was a 200 that changed
   * nothing.
   */
  record Edit(
      String description,
      List<String> tags,
      String notes,
      @JsonAnySetter Map<String, Object> other) {}

  private final ExperimentStore experiments;
  private final Ownership ownership;

  ExperimentEditController(ExperimentStore experiments, Ownership ownership) {
    this.experiments = experiments;
    this.ownership = ownership;
  }

  @GetMapping(path = "/{id}/about", produces = MediaType.APPLICATION_JSON_VALUE)
  ExperimentAbout about(@PathVariable long id) {
    return experiments.about(id).orElseThrow(() -> new NotFoundException("experiment", id));
  }

  // produces: a request whose Accept the answer cannot meet is refused (406) before anything is
  // changed, not after the edit is stored.
  @PatchMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  ExperimentAbout edit(@PathVariable long id, @RequestBody Edit edit, HttpServletRequest request) {
    String owner = experiments.owner(id).orElseThrow(() -> new NotFoundException("experiment", id));
    ownership.checkMayChange(request, "experiment " + id, owner);
    if (edit == null) {
      throw new InvalidParameterException(
          "body", "send a JSON object with description, tags and/or notes");
    }
    if (edit.other() != null && !edit.other().isEmpty()) {
      throw new InvalidParameterException(
          edit.other().keySet().iterator().next(),
          "cannot be edited; the fields are description, tags and notes");
    }
    String description = text("description", edit.description(), MAX_DESCRIPTION);
    String notes = text("notes", edit.notes(), MAX_NOTES);
    List<String> tags = edit.tags() == null ? null : tags(edit.tags());
    if (!experiments.edit(id, description, tags, notes)) {
      throw new NotFoundException("experiment", id);
    }
    return about(id);
  }

  private static String text(String field, String value, int max) {
    if (value == null) {
      return null;
    }
    String stripped = value.strip();
    if (stripped.length() > max) {
      throw new InvalidParameterException(
          field, "at most " + max + " characters, got " + stripped.length());
    }
    return stripped;
  }

  /** Trimmed, without duplicates; each non-blank, without commas (tags are stored joined). */
  static List<String> tags(List<String> given) {
    LinkedHashSet<String> tags = new LinkedHashSet<>();
    for (String tag : given) {
      String t = tag == null ? "" : tag.strip();
      if (t.isEmpty() || t.contains(",")) {
        throw new InvalidParameterException(
            "tags", "each tag must be non-blank and without commas; got '" + tag + "'");
      }
      if (t.length() > MAX_TAG) {
        throw new InvalidParameterException(
            "tags", "a tag has at most " + MAX_TAG + " characters; got '" + t + "'");
      }
      tags.add(t);
    }
    if (tags.size() > ExperimentSpec.MAX_TAGS) {
      throw new InvalidParameterException(
          "tags", "at most " + ExperimentSpec.MAX_TAGS + " tags, got " + tags.size());
    }
    return new ArrayList<>(tags);
  }
}
