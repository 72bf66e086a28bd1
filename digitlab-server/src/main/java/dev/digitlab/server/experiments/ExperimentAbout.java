package dev.digitlab.server.experiments;

import java.util.List;

/**
 * What a person may change about an experiment after making it: its description, tags and notes
 * ({@code PATCH /api/v1/experiments/{id}}). The runs themselves never change.
 */
public record ExperimentAbout(long id, String description, List<String> tags, String notes) {

  public ExperimentAbout {
    tags = List.copyOf(tags);
  }
}
