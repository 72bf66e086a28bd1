package dev.digitlab.protocol.worker;

/** Paths and headers of the worker protocol, shared by the server and the remote worker. */
public final class WorkerProtocol {

  /** Everything a worker calls lives under this path (the worker role, once tokens exist). */
  public static final String BASE = "/api/v1/worker";

  /** Carries the lease token on requests without a JSON body (uploads, checkpoint download). */
  public static final String LEASE_TOKEN_HEADER = "Lease-Token";

  private WorkerProtocol() {}
}
