package dev.digitlab.server.queue;

import dev.digitlab.server.testing.TestDatabase;

class CrashRecoveryOnPostgresTest extends CrashRecoveryContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
