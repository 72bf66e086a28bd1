package dev.digitlab.server.database;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Work that must see committed rows (a signal that wakes readers, a check of a file beside its
 * row): it runs once the current transaction commits, never when it rolls back. The twin of {@link
 * OnRollback}.
 */
public final class AfterCommit {

  private AfterCommit() {}

  /** Runs {@code action} once the current transaction commits, or now outside a transaction. */
  public static void run(Runnable action) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      action.run();
      return;
    }
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            action.run();
          }
        });
  }
}
