package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.pipeline.StepType;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one attempt of steps of one type. An attempt succeeds by returning its result (metrics,
 * counts, file names: stored as the step's result) and fails by throwing; it must stop promptly
 * when its thread is interrupted, which is how a timeout ends it.
 */
interface StepHandler {

  StepType type();

  ObjectNode run(StepContext context) throws Exception;
}
