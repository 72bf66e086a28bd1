package dev.digitlab.server.queue;

import dev.digitlab.server.testing.TestDatabase;

class CrashRecoveryOnH2Test extends CrashRecoveryContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
