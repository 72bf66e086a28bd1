package dev.digitlab.protocol.pipeline;

import java.util.List;
import java.util.Optional;

/** A checked pipeline: its steps in dependency order (every step after those it depends on). */
public record PipelineSpec(
    String name, String description, int maxParallelSteps, List<StepSpec> steps) {

  public PipelineSpec {
    steps = List.copyOf(steps);
  }

  public Optional<StepSpec> step(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
