package dev.digitlab.protocol.worker;

/** Paths and headers of the worker protocol, shared by the server and the remote worker. */
public final class WorkerProtocol {

  /** Everything a worker calls lives under this path (the worker role, once tokens exist). */
  public static final String BASE = "/api/v1/worker";

  /** Carries the lease token on requests without a JSON body (uploads, checkpoint download). */
  public static final String LEASE_TOKEN_HEADER = "Lease-Token";

  /**
   * The capability of a worker that runs command trials ({@link CommandTask}); a worker has it only
   * when started with {@code --allow-commands}, and only such a worker is handed a command trial.
   */
  public static final String COMMAND_CAPABILITY = "command";

  /**
   * {@code GET}: a command experiment's packed code ({@code .tar.gz}) by its SHA-256, for a worker
   * that holds a lease on one of its trials ({@link #LEASE_TOKEN_HEADER}).
   */
  public static final String CODE = BASE + "/code/{sha256}";

  /**
   * {@code GET}: one file of a dataset a user registered ({@link DatasetTask}), by the dataset's
   * digest and the file's name, for a worker that holds a lease on a trial training on it ({@link
   * #LEASE_TOKEN_HEADER}).
   */
  public static final String DATASET_FILE = BASE + "/datasets/{sha256}/{file}";

  private WorkerProtocol() {}
}
