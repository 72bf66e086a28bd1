package dev.digitlab.server.pipelines;

import dev.digitlab.server.testing.TestDatabase;

class PipelineExecutorOnH2Test extends PipelineExecutorContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
