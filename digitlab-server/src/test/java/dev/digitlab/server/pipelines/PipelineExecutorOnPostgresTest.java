package dev.digitlab.server.pipelines;

import dev.digitlab.server.testing.TestDatabase;

class PipelineExecutorOnPostgresTest extends PipelineExecutorContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
