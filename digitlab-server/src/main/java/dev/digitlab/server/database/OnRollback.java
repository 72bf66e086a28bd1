package dev.digitlab.server.database;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Undoes work outside the database (files written beside a row) when the transaction it belongs to
 * rolls back: the rows go by themselves, the files would stay for ever with nothing naming them.
 */
public final class OnRollback {

  private static final Logger log = LoggerFactory.getLogger(OnRollback.class);

  private OnRollback() {}

  /**
   * Runs {@code undo} once the current transaction has rolled back; nothing when it commits, or
   * when no transaction is active (then nothing rolls back). A failing {@code undo} is logged: the
   * rollback has happened and its caller's error is what the user must see.
   */
  public static void run(String what, Runnable undo) {
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      return;
    }
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCompletion(int status) {
            if (status != STATUS_ROLLED_BACK) {
              return;
            }
            try {
              undo.run();
            } catch (RuntimeException e) {
              log.warn("Could not remove {} after a rollback", what, e);
            }
          }
        });
  }
}
